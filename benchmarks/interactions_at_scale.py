"""Interactions on a big, busy bot: a real `launchbot run` process against the emulator, with
100,000 launches in one server and 100 in each of 1,000 others, while scheduled posts and poll
closings are being dispatched (issue 11's report).

    python -m benchmarks.interactions_at_scale [--backend sqlite] [--backend postgresql --pg URL]
                                               [--rounds 5] [--samples 100] [--burst 50]

The bot is in all 1,002 servers. Before it starts, posts are seeded due at 20/s (``--post-rate``)
over ``--dispatch-seconds`` (480) in 100 of the small servers; once it is ready, a dozen polls of
the big server are created to close on the five minute boundaries after the next. The rounds
start at the first post's arrival. Each round times, from the injection on the emulator's gateway
to the bot's first callback recorded there:

* ``upcoming``: /launch upcoming, first page; ``info``: /launch info on a random launch;
  ``autocomplete``: the launch option of /launch info, typed as the first 10 characters of a
  device's name ("Phone 0123");
  ``vote``: a member clicking Yes or No on an open poll; one at a time, ten of each in turn;
* ``N at once``: ``--burst`` of those at once (a quarter of each kind), after each ten of each;
  the row ``N at once, as the driver saw it`` times the same interactions from before the
  driver builds each payload to when its waiting task wakes with the reply: it adds the
  emulator's own queueing in this process (50 payloads built and 50 callbacks handled in turn,
  on the same two cores as the bot), which Discord's side does not have;

until each has ``--samples`` (100) and the round has lasted ``--round-seconds`` (40), so that
the rounds span the posts and the closings. During a round this process's garbage collector is
paused (``common.collector_paused``): the bot's is not.

A round's figure is its p50 or p99; the table gives the median of the rounds and their spread
(lowest to highest), and what was dispatched meanwhile. Then, in the same run, the statements the
first page and a launch card send are captured from CalendarService and replayed on the bare
driver (sqlite3 on this thread, or asyncpg): the ratio of the end-to-end p50 to the raw p50, per
round.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from benchmarks.common import (
    BACKENDS,
    DISCORD_DEADLINE_S,
    collector_paused,
    log_bot_to,
    log_problems,
    percentile,
    scratch_database,
    seed_guild,
    spawn_bot,
    stop_bot,
    vacuum_analyze,
)
from benchmarks.posts_processes import servers
from benchmarks.raw_replay import ReplayTimes, replay_service_calls
from bot.config import builtin_guild_defaults
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Launch
from bot.domain.clock import utc_now
from bot.services.deliveries import DeliveryService
from tests.e2e.calendar_helpers import button_id, run
from tests.e2e.harness import TOKEN, Server, build_server
from tests.emulator import CallbackRecord, Emulator, InteractionHandle, Member, MessageRecord
from tests.support.post_seeding import seed_due_posts

REPLY_TIMEOUT_S = 60.0
SMALL, POSTING_SERVERS = 100, 100
KINDS = ("upcoming", "info", "autocomplete", "vote")
CLOSING_POLLS = 12


@dataclass
class Round:
    samples: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    burst: list[float] = field(default_factory=list)
    burst_as_seen: list[float] = field(default_factory=list)
    posts: int = 0
    closes: int = 0
    seconds: float = 0.0


class Driver:
    """Injects the four kinds of interaction into the big server and times the bot's answer."""

    def __init__(self, emu: Emulator, server: Server, ids: list[int], voters: list[Member]) -> None:
        self.emu, self.server, self.ids, self.voters = emu, server, ids, voters
        self.rng = random.Random(11)
        self.poll: MessageRecord | None = None

    async def open_poll(self, launch: int) -> None:
        created = await run(self.emu, self.server.guild, self.server.editor, "poll", "create",
                            launch=str(launch), closes=_in_a_day())  # fmt: skip
        assert created.message is not None and not created.ephemeral, created.content
        self.poll = created.message

    def inject(self, kind: str) -> Awaitable[InteractionHandle]:
        guild, member = self.server.guild, self.server.member
        if kind == "upcoming":
            return self.emu.invoke_slash(guild, member, "launch", subcommand="upcoming")
        if kind == "info":
            launch = str(self.rng.choice(self.ids))
            return self.emu.invoke_slash(
                guild, member, "launch", subcommand="info", options={"launch": launch}
            )
        if kind == "autocomplete":
            typed = f"Phone {self.rng.randrange(len(self.ids)):06d}"[:10]
            return self.emu.invoke_autocomplete(
                guild, member, "launch", subcommand="info", focused="launch",
                options={"launch": typed},
            )  # fmt: skip
        assert self.poll is not None
        answer = button_id(self.poll, self.rng.choice(("Yes", "No")))
        return self.emu.click_button(self.poll, self.rng.choice(self.voters), answer)

    async def timed(self, kind: str) -> float:
        """Milliseconds from the interaction's dispatch on the emulator's gateway to the bot's
        callback recorded there (the emulator's own clock, what the docstring above means)."""
        return (await self._timed(kind))[0]

    async def _timed(self, kind: str) -> tuple[float, float]:
        """(emulator's measure, the driver task's measure), in milliseconds."""
        started = time.perf_counter()
        handle = await self.inject(kind)
        reply = await handle.wait_response(timeout=REPLY_TIMEOUT_S)
        seen = (time.perf_counter() - started) * 1000
        _check(kind, reply)
        return (reply.time - handle.dispatched_at) * 1000, seen

    async def round(self, samples: int, burst: int, seconds: float) -> Round:
        """Blocks of 10 of each kind one at a time, then ``burst`` at once, until each has
        ``samples`` and ``seconds`` have passed."""
        result, began = Round(), time.perf_counter()
        while (
            min(len(v) for v in result.samples.values()) < samples
            or len(result.burst) < samples
            or time.perf_counter() - began < seconds
        ):
            for kind in KINDS:
                for _ in range(10):
                    result.samples[kind].append(await self.timed(kind))
            kinds = [KINDS[n % len(KINDS)] for n in range(burst)]
            for measured, seen in await asyncio.gather(*(self._timed(k) for k in kinds)):
                result.burst.append(measured)
                result.burst_as_seen.append(seen)
            await asyncio.sleep(0.5)
        return result


def _check(kind: str, reply: CallbackRecord) -> None:
    if kind == "autocomplete":
        assert reply.data.get("choices"), f"no choices: {reply.data}"
    elif kind == "vote":
        assert reply.deferred or (reply.ephemeral and "voted" in (reply.content or "")), reply
    else:
        assert reply.embeds and not reply.ephemeral, reply.content


async def _upcoming_ids(url: str, guild_id: int, count: int) -> list[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            query = (
                select(Launch.id)
                .where(Launch.guild_id == guild_id, Launch.window_start > datetime.now(UTC))
                .order_by(Launch.window_start)
                .limit(count)
            )
            return list((await conn.execute(query)).scalars())
    finally:
        await engine.dispose()


async def _seed(url: str, server: Server, big: int, small: Sequence[int]) -> list[int]:
    ids = (await seed_guild(url, server.guild.id, big)).launch_ids
    for n, guild_id in enumerate(small, start=1):
        await seed_guild(url, guild_id, SMALL, seed=42 + n)
    engine = create_engine(url)
    try:
        service = DeliveryService(create_session_factory(engine), utc_now, builtin_guild_defaults())
        await service.plan_unplanned_launches()
    finally:
        await engine.dispose()
    return ids


def _in_a_day() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")


def _closing_times(now: datetime) -> list[str]:
    minute = now.replace(second=0, microsecond=0)
    return [(minute + timedelta(minutes=2 + n % 5)).strftime("%Y-%m-%d %H:%M") for n in
            range(CLOSING_POLLS)]  # fmt: skip


async def _create_closing_polls(
    emu: Emulator, server: Server, launches: list[int]
) -> list[MessageRecord]:
    polls = []
    for launch, closes in zip(launches, _closing_times(datetime.now(UTC)), strict=False):
        created = await run(emu, server.guild, server.editor, "poll", "create",
                            launch=str(launch), closes=closes)  # fmt: skip
        assert created.message is not None and not created.ephemeral, created.content
        polls.append(created.message)
    return polls


def _posts(emu: Emulator) -> int:
    return sum(1 for m in emu.message_store.created if (m.nonce or "").startswith("lbp"))


def _closed(polls: Sequence[MessageRecord]) -> int:
    """Polls whose message shows its answer buttons disabled (what closing does)."""
    return sum(
        all(
            b.get("disabled")
            for row in p.components
            for b in row.get("components", [])
            if b.get("label") not in (None, "My vote")
        )
        for p in polls
    )


async def bench_backend(args: argparse.Namespace, backend: str) -> tuple[list[Round], ReplayTimes]:
    log = Path(tempfile.mkdtemp(prefix="launchbot-bench-log-")) / "bot.log"
    async with scratch_database(backend, args.pg) as url:
        async with Emulator(TOKEN, interaction_response_timeout=REPLY_TIMEOUT_S) as emu:
            server = build_server(emu)
            small = servers(emu, args.servers)
            started = time.perf_counter()
            ids = await _seed(url, server, args.big, [s.announce.guild_id for s in small])
            count = int(args.post_rate * args.dispatch_seconds)
            first_due = datetime.now(UTC) + timedelta(seconds=60)
            due = [first_due + timedelta(seconds=n / args.post_rate) for n in range(count)]
            await seed_due_posts(url, [s.announce for s in small[:POSTING_SERVERS]], due)
            await vacuum_analyze(url)
            print(
                f"[{backend}] seeded {args.big:,} + {args.servers:,} x {SMALL} launches and "
                f"{count:,} posts due from {first_due:%H:%M:%S} in "
                f"{time.perf_counter() - started:.0f} s; bot log {log}",
                file=sys.stderr,
            )
            voters = [emu.state.add_member(server.guild, f"voter-{n}") for n in range(100)]
            log_bot_to(log.with_name("driver.log"))
            process = await spawn_bot(emu, url, log, ready_within=300)
            rounds: list[Round] = []
            try:
                driver = Driver(emu, server, ids, voters)
                upcoming = await _upcoming_ids(url, server.guild.id, CLOSING_POLLS + 1)
                await driver.open_poll(upcoming[0])
                closing = await _create_closing_polls(emu, server, upcoming[1:])
                await emu.message_store.notifier.wait_for(
                    lambda: True if _posts(emu) else None, 300.0, lambda: "no post in 300 s"
                )
                for _ in range(3):
                    for kind in KINDS:
                        await driver.timed(kind)
                for n in range(args.rounds):
                    posts, closes, began = _posts(emu), _closed(closing), time.perf_counter()
                    with collector_paused():
                        done = await driver.round(args.samples, args.burst, args.round_seconds)
                    done.seconds = time.perf_counter() - began
                    done.posts, done.closes = _posts(emu) - posts, _closed(closing) - closes
                    rounds.append(done)
                    print(f"[{backend}] round {n + 1}: {done.seconds:.0f} s, {done.posts} posts, "
                          f"{done.closes} poll closings meanwhile", file=sys.stderr)  # fmt: skip
            finally:
                gc.unfreeze()
                code = await stop_bot(process)
            problems = log_problems(log)
            print(f"[{backend}] bot exited {code}; {len(problems)} ERROR/traceback lines"
                  + "".join(f"\n  {p}" for p in problems[:10]), file=sys.stderr)  # fmt: skip
            refused = [h for h in emu.interactions if h.errors]
            assert not refused, f"the emulator refused {len(refused)} interactions' requests"
        replay = await replay_service_calls(
            url, backend, server.guild.id, random.Random(5).sample(ids, 50), args.samples
        )
    return rounds, replay


def _spread(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def report(backend: str, rounds: list[Round], replay: ReplayTimes, burst: int) -> None:
    print(f"\n{backend}: {len(rounds)} rounds; ms, median of the rounds (lowest-highest)")
    print("| interaction | p50 | p99 | max | > 3 s |")
    print("| --- | --- | --- | --- | --- |")
    for kind in KINDS:
        values = [r.samples[kind] for r in rounds]
        print(f"| {kind} | {_spread([percentile(v, 50) for v in values])} | "
              f"{_spread([percentile(v, 99) for v in values])} | "
              f"{max(max(v) for v in values):.1f} | "
              f"{sum(x > DISCORD_DEADLINE_S * 1000 for v in values for x in v)} |")  # fmt: skip
    for label, bursts in (
        (f"{burst} at once", [r.burst for r in rounds]),
        (f"{burst} at once, as the driver saw it", [r.burst_as_seen for r in rounds]),
    ):
        print(f"| {label} | {_spread([percentile(v, 50) for v in bursts])} | "
              f"{_spread([percentile(v, 99) for v in bursts])} | "
              f"{max(max(v) for v in bursts):.1f} | "
              f"{sum(x > DISCORD_DEADLINE_S * 1000 for v in bursts for x in v)} |")  # fmt: skip
    per_s = [r.posts / r.seconds for r in rounds]
    print(f"\ndispatched during the rounds: {sum(r.posts for r in rounds):,} posts "
          f"({_spread(per_s)} posts/s), {sum(r.closes for r in rounds)} poll closings")  # fmt: skip
    for kind, raw in (("upcoming", replay.page), ("info", replay.card)):
        ratios = [percentile(r.samples[kind], 50) / percentile(raw, 50) for r in rounds]
        print(
            f"{kind}: raw driver p50 {percentile(raw, 50):.2f} ms "
            f"(p99 {percentile(raw, 99):.2f}); end to end / raw, p50: {_spread(ratios)}x"
        )


async def main(args: argparse.Namespace) -> None:
    for backend in args.backend:
        rounds, replay = await bench_backend(args, backend)
        report(backend, rounds, replay, args.burst)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS)
    parser.add_argument("--pg", help="PostgreSQL server URL (default $LAUNCHBOT_TEST_POSTGRES_URL)")
    parser.add_argument("--big", type=int, default=100_000, help="launches of the big server")
    parser.add_argument("--servers", type=int, default=1_000, help="servers of 100 launches")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--round-seconds", type=float, default=40.0)
    parser.add_argument("--post-rate", type=float, default=20.0)
    parser.add_argument("--dispatch-seconds", type=float, default=480.0)
    args = parser.parse_args(argv)
    args.backend = args.backend or ["sqlite"]
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
