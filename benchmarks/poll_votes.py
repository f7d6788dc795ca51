"""Poll votes end to end: a real `launchbot run` process against the emulator, members clicking
a poll's answer buttons, side by side with the naive design that edits the poll's message on
every vote (the same bot with ``LAUNCHBOT_POLLS_TALLY_SECONDS=0``), in one run.

    python -m benchmarks.poll_votes [--backend sqlite] [--backend postgresql --pg URL]
                                    [--votes 1000] [--rate 1000] [--rounds 3]

Each round, ``--votes`` distinct members click an answer of a new poll, spread evenly over
``votes / rate`` seconds. A vote is timed from the moment the emulator puts the click on its
gateway to the moment it has recorded the bot's acknowledgement (the answer, or a deferral);
votes/s is the votes over the time from the first click to the last acknowledgement. The round
then waits until the poll's message shows the exact final tally and counts the edits the bot
sent for it (PATCH requests, 429s included), per 1,000 votes. The emulator's interaction
deadline is raised to 60 s so a late answer is still timed; "> 3 s" counts those.

A last row per backend sends the same votes through PollService alone, in this process, all at
once: the database's share of a vote (the floor under the end-to-end figures).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import (
    BACKENDS,
    DISCORD_DEADLINE_S,
    log_problems,
    percentile,
    process_cpu_seconds,
    scratch_database,
    spawn_bot,
    stop_bot,
)
from bot.config import builtin_guild_defaults
from bot.db.engine import create_engine, create_session_factory
from bot.domain.clock import utc_now
from bot.domain.inputs import NewLaunch
from bot.domain.polls import NewPoll
from bot.domain.records import Actor
from bot.services.calendar import CalendarService
from bot.services.polls import PollService
from tests.e2e.calendar_helpers import button_id, launch_id_of, run
from tests.e2e.harness import TOKEN, Server, build_server
from tests.e2e.poll_helpers import edits_of, tally
from tests.emulator import Emulator, InteractionHandle, Member, MessageRecord

DESIGNS: dict[str, dict[str, str]] = {
    "coalesced (2 s)": {},
    "naive: edit on every vote": {"LAUNCHBOT_POLLS_TALLY_SECONDS": "0"},
}
REPLY_TIMEOUT_S = 60.0
QUIET = 3.0


@dataclass
class Result:
    backend: str
    design: str
    latencies_ms: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    edits: list[int] = field(default_factory=list)
    votes: int = 0
    late: int = 0
    deferred: int = 0
    settle_s: list[float] = field(default_factory=list)
    bot_cpu_s: float = 0.0
    """CPU the bot process spent from the first click to the final tally, every round."""


async def _click(
    emu: Emulator, poll: MessageRecord, voter: Member, custom_id: str, at: float
) -> InteractionHandle:
    await asyncio.sleep(at)
    return await emu.click_button(poll, voter, custom_id)


async def _round(
    emu: Emulator,
    server: Server,
    voters: list[Member],
    launch: str,
    rate: float,
    result: Result,
    bot_pid: int,
) -> None:
    created = await run(emu, server.guild, server.editor, "poll", "create", launch=launch)
    poll = created.message
    assert poll is not None and not created.ephemeral, created.content
    yes, no = button_id(poll, "Yes"), button_id(poll, "No")
    cursor = emu.request_cursor()
    cpu = process_cpu_seconds(bot_pid)
    started = time.monotonic()
    handles = await asyncio.gather(
        *(
            _click(emu, poll, voter, yes if n % 2 else no, n / rate)
            for n, voter in enumerate(voters)
        )
    )
    answers = await asyncio.gather(*(h.wait_response(timeout=REPLY_TIMEOUT_S) for h in handles))
    last = max(a.time for a in answers)
    latencies = [(a.time - h.dispatched_at) * 1000 for a, h in zip(answers, handles, strict=True)]
    result.latencies_ms += latencies
    result.rates.append(len(voters) / (last - min(h.dispatched_at for h in handles)))
    result.votes += len(voters)
    result.late += sum(ms > DISCORD_DEADLINE_S * 1000 for ms in latencies)
    result.deferred += sum(a.deferred for a in answers)
    half = len(voters) // 2
    final = {"Yes": half, "No": len(voters) - half}
    await emu.message_store.notifier.wait_for(
        lambda: True if tally(poll) == final else None, 300.0, lambda: "no final tally in 300 s"
    )
    result.settle_s.append(time.monotonic() - started)
    result.edits.append(await _edits_once_quiet(emu, poll, cursor))
    result.bot_cpu_s += process_cpu_seconds(bot_pid) - cpu


async def _edits_once_quiet(emu: Emulator, poll: MessageRecord, cursor: int) -> int:
    """The edits sent for the poll's message, once none has come for ``QUIET`` seconds (edits
    queued behind the one that first showed the final tally still count)."""
    count, since = edits_of(emu, poll, since=cursor), time.monotonic()
    while time.monotonic() - since < QUIET:
        await asyncio.sleep(0.2)
        now = edits_of(emu, poll, since=cursor)
        if now != count:
            count, since = now, time.monotonic()
    return count


async def measure(
    backend: str, pg: str | None, votes: int, rate: float, rounds: int
) -> list[Result]:
    return [
        await _design(Result(backend, design), env, pg, votes, rate, rounds)
        for design, env in DESIGNS.items()
    ]


async def _design(
    result: Result, env: dict[str, str], pg: str | None, votes: int, rate: float, rounds: int
) -> Result:
    async with (
        scratch_database(result.backend, pg) as url,
        Emulator(TOKEN, interaction_response_timeout=REPLY_TIMEOUT_S) as emu,
    ):
        server = build_server(emu)
        voters = [emu.state.add_member(server.guild, f"voter{n}") for n in range(votes)]
        log = Path(tempfile.mkdtemp(prefix="poll-votes-")) / "bot.log"
        bot = await spawn_bot(emu, url, log, env=env)
        try:
            added = await run(
                emu, server.guild, server.editor, "launch", "add", device="Xiaomi 12",
                brand="Xiaomi", date="31 December 2027",
            )  # fmt: skip
            launch = launch_id_of(added)
            gc.collect()
            gc.freeze()  # this process's full collections are not the bot's time
            warm_up = Result(result.backend, "")
            await _round(emu, server, voters[:50], launch, rate, warm_up, bot.pid)
            for _ in range(rounds):
                await _round(emu, server, voters, launch, rate, result, bot.pid)
        finally:
            code = await stop_bot(bot)
        problems = log_problems(log)
        print(
            f"[{result.backend}] {result.design}: bot exit {code}, {len(problems)} problems "
            f"in {log}",
            file=sys.stderr,
        )
    return result


async def _timed_vote(polls: PollService, poll_id: int, user: int, into: list[float]) -> None:
    started = time.perf_counter()
    await polls.vote(1, poll_id, user, user % 2)
    into.append((time.perf_counter() - started) * 1000)


async def service_floor(backend: str, pg: str | None, votes: int, rounds: int) -> Result:
    """The same votes through PollService alone (no Discord, no emulator), all at once: what
    the database part of a vote costs."""
    result = Result(backend, "PollService alone, all at once")
    async with scratch_database(backend, pg) as url:
        engine = create_engine(url)
        try:
            sessions = create_session_factory(engine)
            defaults = builtin_guild_defaults()
            calendar = CalendarService(sessions, utc_now, defaults)
            polls = PollService(sessions, utc_now, defaults)
            editor = Actor(1, "editor")
            new = NewLaunch(device="Xiaomi 12", brand="Xiaomi", date="31 December 2027")
            launch = (await calendar.add(1, editor, new)).after
            assert launch is not None
            for n in range(rounds + 1):  # the first is a warm-up
                poll = (await polls.create(1, editor, NewPoll(launch.id))).view.poll
                latencies: list[float] = []

                started = time.perf_counter()
                await asyncio.gather(
                    *(_timed_vote(polls, poll.id, 10 + user, latencies) for user in range(votes))
                )
                if n:
                    result.rates.append(votes / (time.perf_counter() - started))
                    result.latencies_ms += latencies
                    result.votes += votes
        finally:
            await engine.dispose()
    return result


def print_results(results: list[Result], votes: int, rate: float) -> None:
    header = (
        "backend", "design", "votes", "votes/s", "p50 ms", "p99 ms", "max ms", "> 3 s",
        "deferred", "edits per 1,000 votes", "final tally after", "bot CPU per vote",
    )  # fmt: skip
    rows = []
    for r in results:
        if not r.edits:
            rows.append(
                (
                    r.backend, r.design, f"{r.votes:,}", f"{min(r.rates):,.0f}",
                    f"{percentile(r.latencies_ms, 50):.0f}",
                    f"{percentile(r.latencies_ms, 99):.0f}", f"{max(r.latencies_ms):.0f}",
                    "", "", "", "", "",
                )
            )  # fmt: skip
            continue
        per_thousand = sum(r.edits) / r.votes * 1000
        rows.append(
            (
                r.backend, r.design, f"{r.votes:,}", f"{min(r.rates):,.0f}",
                f"{percentile(r.latencies_ms, 50):.0f}", f"{percentile(r.latencies_ms, 99):.0f}",
                f"{max(r.latencies_ms):.0f}", str(r.late), str(r.deferred),
                f"{per_thousand:,.1f}", f"{max(r.settle_s):.1f} s",
                f"{r.bot_cpu_s / r.votes * 1000:.2f} ms",
            )
        )  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print(f"{votes:,} members voting at {rate:,.0f} clicks/s, each round on a new poll")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    print(
        "votes/s: the slowest round's; latencies over every vote of every round; bot CPU: "
        "the bot process's, from the first click to the final tally (edits included)"
    )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (2 cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS)
    parser.add_argument(
        "--pg", help="PostgreSQL server URL (default: $LAUNCHBOT_TEST_POSTGRES_URL)"
    )
    parser.add_argument("--votes", type=int, default=1000, help="members voting in a round")
    parser.add_argument("--rate", type=float, default=1000.0, help="clicks per second")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: list[Result] = []
    for backend in args.backend or ["sqlite"]:
        results += asyncio.run(measure(backend, args.pg, args.votes, args.rate, args.rounds))
        results.append(asyncio.run(service_floor(backend, args.pg, args.votes, args.rounds)))
    print_results(results, args.votes, args.rate)


if __name__ == "__main__":
    main()
