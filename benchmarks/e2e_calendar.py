"""The calendar end to end: the real bot against the Discord emulator.

    .venv/bin/python -m benchmarks.e2e_calendar --process --backend sqlite --launches 10000
    .venv/bin/python -m benchmarks.e2e_calendar --process --backend postgresql --pg URL

Each sample is timed with time.perf_counter from just before the interaction is injected on the
emulator's gateway to the moment the emulator has recorded the bot's callback
(``handle.wait_response()``). Two modes:

* ``--process`` (what `make bench` runs): the bot is a real `.venv/bin/launchbot run` process,
  configured as in the end-to-end tests (database, the emulator's REST and gateway URLs, token,
  config.toml), started once it has logged "ready as" and stopped with SIGTERM at the end (its
  exit status must be 0); the emulator and this driver run here, so the bot's own event loop
  holds only the bot (on 2 cores it shares the machine with them, and with PostgreSQL); this
  process's heap is gc.freeze()d before the samples, so that its own full garbage collections
  (~100 ms over the seeding's and the emulator's objects) are not timed as the bot's;
* in-process (the default): BotApp runs in this process, and the emulator, the bot and this
  driver share one event loop, as in the end-to-end tests, so the figures include the emulator's
  own work (parsing, validation, recording) - for 50 interactions at once, all of it.

Scenarios, each ``--samples`` times (default 200):

* ``upcoming p1``: /launch upcoming (first page); then on the message it posted
  ``click Next`` (page 2) and ``click Last`` (the last page);
* ``info``: /launch info on a random launch id of the measured guild;
* ``burst``: ``--burst`` (50) interactions injected at once, half /launch upcoming, half
  /launch info, repeated until ``--samples`` replies; the note counts replies later than Discord's
  3 s deadline (the emulator's deadline is raised to 60 s so that late replies are still timed);
* ``service p1``: the same first page through CalendarService (SQLAlchemy, no Discord);
* ``raw p1``: the SQL statements the service sent for it (count, page, aliases), replayed with
  sqlite3 (on this thread) or asyncpg directly; ``raw page`` the page SELECT alone, ``raw
  count`` the count.

The service and raw rows always run in this process. The database is a scratch one (a temp
SQLite file, or a PostgreSQL database created beside --pg / $LAUNCHBOT_TEST_POSTGRES_URL and
dropped afterwards), seeded with bulk inserts: see benchmarks/common.py.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from benchmarks.common import (
    BACKENDS,
    DISCORD_DEADLINE_S,
    Row,
    log_bot_to,
    log_problems,
    print_table,
    process_cpu_seconds,
    scratch_database,
    seed_calendar,
    spawn_bot,
    stop_bot,
)
from benchmarks.raw_replay import FIRST_PAGE, bare_driver, captured, timed
from bot.config import builtin_guild_defaults
from bot.db.engine import create_engine, create_session_factory
from bot.domain.clock import utc_now
from bot.services.calendar import CalendarService
from tests.e2e.calendar_helpers import button_id
from tests.e2e.harness import TOKEN, RunningBot, Server, build_server, start_bot
from tests.emulator import CallbackRecord, Emulator, InteractionHandle

REPLY_TIMEOUT_S = 60.0


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _page_text(reply: CallbackRecord) -> str:
    """The listing shown (not the footer, whose wording may change with the paging)."""
    assert reply.embeds and not reply.ephemeral, reply.content
    return str(reply.embeds[0].get("description"))


async def _timed(
    inject: Callable[[], Awaitable[InteractionHandle]],
) -> tuple[float, CallbackRecord]:
    started = time.perf_counter()
    handle = await inject()
    reply = await handle.wait_response(timeout=REPLY_TIMEOUT_S)
    return _ms(started), reply


class Driver:
    def __init__(self, emu: Emulator, server: Server, launch_ids: list[int], seed: int) -> None:
        self.emu = emu
        self.server = server
        self.launch_ids = launch_ids
        self.rng = random.Random(seed)

    def upcoming(self) -> Awaitable[InteractionHandle]:
        s = self.server
        return self.emu.invoke_slash(s.guild, s.member, "launch", subcommand="upcoming")

    def info(self) -> Awaitable[InteractionHandle]:
        s = self.server
        launch = str(self.rng.choice(self.launch_ids))
        return self.emu.invoke_slash(
            s.guild, s.member, "launch", subcommand="info", options={"launch": launch}
        )

    async def paging(self, rows: dict[str, Row], samples: int) -> None:
        for _ in range(samples):
            ms, first = await _timed(self.upcoming)
            assert first.message is not None and first.message.components, first
            rows["first"].samples_ms.append(ms)
            message, seen = first.message, _page_text(first)
            click = partial(self.emu.click_button, message, self.server.member)
            ms, second = await _timed(partial(click, button_id(message, "Next")))
            assert _page_text(second) != seen, "Next showed the same page"
            rows["next"].samples_ms.append(ms)
            seen = _page_text(second)
            ms, last = await _timed(partial(click, button_id(message, "Last")))
            assert _page_text(last) != seen, "Last showed the same page"
            rows["last"].samples_ms.append(ms)

    async def infos(self, row: Row, samples: int) -> None:
        for _ in range(samples):
            ms, reply = await _timed(self.info)
            assert reply.embeds and not reply.ephemeral, reply.content
            row.samples_ms.append(ms)

    async def burst(
        self, row: Row, samples: int, size: int, bot_cpu: Callable[[], float] | None = None
    ) -> None:
        """With ``bot_cpu`` (the bot process's CPU seconds so far), the note also gives the CPU
        per interaction of the bot and of this process (emulator and driver)."""
        late = 0
        spent_bot = spent_here = 0.0
        while len(row.samples_ms) < samples:
            kinds = [self.upcoming if n % 2 == 0 else self.info for n in range(size)]
            bot_before, here_before = bot_cpu() if bot_cpu else 0.0, time.process_time()
            results = await asyncio.gather(*(_timed(kind) for kind in kinds))
            spent_here += time.process_time() - here_before
            spent_bot += bot_cpu() - bot_before if bot_cpu else 0.0
            for ms, reply in results:
                assert reply.embeds and not reply.ephemeral, reply.content
                row.samples_ms.append(ms)
                late += ms > DISCORD_DEADLINE_S * 1000
            await asyncio.sleep(0.5)
        row.note = f"{late} of {len(row.samples_ms)} later than {DISCORD_DEADLINE_S:.0f} s"
        each = 1000 / len(row.samples_ms)
        if bot_cpu:
            row.note += f"; CPU/inter.: bot {spent_bot * each:.1f} ms, emulator"
            row.note += f"+driver {spent_here * each:.1f} ms"
        else:
            row.note += f"; CPU/inter. (all in one) {spent_here * each:.1f} ms"


async def service_and_raw(
    url: str, backend: str, launches: int, guild_id: int, samples: int
) -> list[Row]:
    """The first page through the service, then its SQL replayed on the bare driver."""
    engine = create_engine(url)
    calendar = CalendarService(create_session_factory(engine), utc_now, builtin_guild_defaults())
    service = Row(backend, launches, "service p1", note="CalendarService.upcoming, SQLAlchemy")
    try:
        await calendar.upcoming(guild_id, page=FIRST_PAGE)
        statements = await captured(engine, lambda: calendar.upcoming(guild_id, page=FIRST_PAGE))
        service.samples_ms = await timed(
            lambda: calendar.upcoming(guild_id, page=FIRST_PAGE), samples
        )
    finally:
        await engine.dispose()
    page = [s for s in statements if "ORDER BY" in s[0] and "LIMIT" in s[0]]
    count = [s for s in statements if "count(" in s[0].lower()]
    raw_all = Row(backend, launches, "raw p1", note=f"{len(statements)} statements, bare driver")
    raw_page = Row(backend, launches, "raw page", note="the page SELECT alone")
    raw_count = Row(backend, launches, "raw count", note="the count(*) alone")
    async with bare_driver(url, backend) as replay:
        raw_all.samples_ms = await timed(lambda: replay(statements), samples)
        raw_page.samples_ms = await timed(lambda: replay(page), samples)
        raw_count.samples_ms = await timed(lambda: replay(count), samples)
    return [service, raw_all, raw_page, raw_count]


class InProcessBot:
    """BotApp in this event loop (tests.e2e.harness.start_bot); its log goes to ``log``."""

    def __init__(self, running: RunningBot, log: Path) -> None:
        self.running = running
        self.log = log

    @classmethod
    async def start(cls, emu: Emulator, url: str, log: Path) -> InProcessBot:
        log_bot_to(log)
        return cls(await start_bot(emu, url), log)

    async def stop(self) -> str:
        await self.running.stop()
        return "stopped"

    cpu_seconds = None


class ProcessBot:
    """A real `launchbot run` process (benchmarks.common.spawn_bot), its stderr in ``log``."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    @classmethod
    async def start(cls, emu: Emulator, url: str, log: Path) -> ProcessBot:
        log_bot_to(log.with_name("driver.log"))  # the emulator's and this driver's logging
        return cls(await spawn_bot(emu, url, log), log)

    def cpu_seconds(self) -> float:
        """user + system CPU time of the bot process so far (/proc/PID/stat)."""
        return process_cpu_seconds(self.process.pid)

    async def stop(self) -> str:
        code = await stop_bot(self.process)
        if code != 0:
            raise RuntimeError(f"launchbot run exited {code} on SIGTERM; log: {self.log}")
        return f"pid {self.process.pid} exited {code} on SIGTERM"


async def bench_backend(args: argparse.Namespace, backend: str) -> list[Row]:
    launches, samples = args.launches, args.samples
    log = Path(tempfile.mkdtemp(prefix="launchbot-bench-log-")) / "bot.log"
    kind = ProcessBot if args.process else InProcessBot
    async with scratch_database(backend, args.pg) as url:
        # a late callback is timed instead of refused; replies over 3 s are counted in the burst
        async with Emulator(TOKEN, interaction_response_timeout=REPLY_TIMEOUT_S) as emu:
            server = build_server(emu)
            noise = [server.other.id, server.other.id + 1, server.other.id + 2]
            seeded = await seed_calendar(url, server.guild.id, launches, noise)
            print(
                f"[{backend}] seeded {len(seeded.launch_ids):,} launches "
                f"({seeded.upcoming:,} upcoming) + {seeded.noise_launches:,} in "
                f"{len(noise)} noise guilds in {seeded.seconds:.1f} s; bot log: {log}",
                file=sys.stderr,
            )
            bot = await kind.start(emu, url, log)
            driver = Driver(emu, server, seeded.launch_ids, args.seed)
            rows = {
                "first": Row(backend, launches, "upcoming p1"),
                "next": Row(backend, launches, "click Next"),
                "last": Row(backend, launches, "click Last"),
                "info": Row(backend, launches, "info"),
                "burst": Row(backend, launches, f"burst x{args.burst}"),
            }
            try:
                started = time.perf_counter()
                warm = {k: Row(backend, launches, k) for k in ("first", "next", "last")}
                await driver.paging(warm, 3)
                await driver.infos(Row(backend, launches, "warm"), 3)
                if args.process:
                    # this process (emulator, driver) only: its full collections walked the
                    # seeding's and the emulator's heap for ~100 ms, inside one sample
                    gc.collect()
                    gc.freeze()
                await driver.paging(rows, samples)
                await driver.infos(rows["info"], samples)
                await driver.burst(rows["burst"], samples, args.burst, bot.cpu_seconds)
                print(
                    f"[{backend}] {len(emu.interactions):,} interactions in "
                    f"{time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                )
            finally:
                gc.unfreeze()
                stopped = await bot.stop()
            problems = log_problems(log)
            print(
                f"[{backend}] bot {stopped}; {len(problems)} ERROR/traceback lines in its log"
                + "".join(f"\n  {line}" for line in problems[:10]),
                file=sys.stderr,
            )
            assert not any(h.errors for h in emu.interactions), "the emulator refused requests"
        result = list(rows.values())
        result += await service_and_raw(url, backend, launches, server.guild.id, samples)
    e2e = rows["first"].p50
    raw = next(r for r in result if r.scenario == "raw p1").p50
    rows["first"].note = f"{e2e / raw:.1f}x raw p1 (p50)"
    return result


async def main(args: argparse.Namespace) -> None:
    rows: list[Row] = []
    for backend in args.backend:
        rows += await bench_backend(args, backend)
    mode = "launchbot run process" if args.process else "BotApp in the emulator's event loop"
    print_table(
        rows, f"\nlaunchbot end to end through the emulator ({mode}; samples={args.samples})"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backend", action="append", choices=BACKENDS, help="repeatable (default: sqlite)"
    )
    parser.add_argument("--launches", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", help="PostgreSQL server URL (default $LAUNCHBOT_TEST_POSTGRES_URL)")
    parser.add_argument(
        "--process",
        action="store_true",
        help="run the bot as a real `launchbot run` process (default: BotApp in this event loop)",
    )
    args = parser.parse_args(argv)
    args.backend = args.backend or ["sqlite"]
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
