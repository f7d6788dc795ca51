"""The bot's memory: RSS idle and after N mixed interactions, in a real `launchbot run` process.

    .venv/bin/python -m benchmarks.memory [--backend sqlite|postgresql] [--launches 10000]
        [--steps 500,1000,2000,3000] [--diagnose] [--client-option K=V]

The emulator and this driver run here; the bot runs as a subprocess (`.venv/bin/launchbot run`,
or `python -m benchmarks.membot`, the same plus a probe, for --diagnose and the experiments), so
its RSS (/proc/PID/status VmRSS) holds nothing of the emulator's. After each step (a cumulative
number of interactions: 30 % /launch upcoming, 10 % Next on one of them, 25 % /launch info, 25 %
autocomplete, 10 % /launch add, --workers (4) at a time) the driver waits for the bot to go quiet
and reads its RSS. With --diagnose the probe also reports, after a gc.collect(), live objects by
type, discord.py's ViewStore and message cache, asyncio tasks, SQLAlchemy's compiled cache and
(with --tracemalloc FRAMES, default 8) the allocations grown since idle; at the end it stops every
live view (as a view timeout would) and reports again, which measures what the views held.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.common import BACKENDS, scratch_database, seed_calendar, spawn_bot, stop_bot
from benchmarks.membot import status_kb
from tests.e2e.calendar_helpers import button_id
from tests.e2e.harness import LAUNCHBOT, TOKEN, Server, build_server
from tests.emulator import Emulator, InteractionHandle, MessageRecord

SETTLE_S = 2.0
MIX = (("upcoming", 30), ("next", 10), ("info", 25), ("autocomplete", 25), ("add", 10))


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process, log: Path, out: Path) -> None:
        self.process = process
        self.log = log
        self.out = out
        self.probes = 0
        self.command = ""

    @classmethod
    async def start(
        cls, emu: Emulator, url: str, args: argparse.Namespace, work: Path
    ) -> BotProcess:
        extra = {"MEMBOT_OUT": str(work)}
        if args.client_option:
            options = {k: json.loads(v) for k, v in (o.split("=", 1) for o in args.client_option)}
            extra["MEMBOT_CLIENT_OPTIONS"] = json.dumps(options)
        extra.update(o.split("=", 1) for o in args.env)
        wrapped = args.diagnose or args.client_option
        if args.diagnose:
            extra["MEMBOT_TRACEMALLOC"] = str(args.tracemalloc)
        command = (
            [sys.executable, "-m", "benchmarks.membot"] if wrapped else [str(LAUNCHBOT), "run"]
        )
        log = work / "bot.log"
        process = await spawn_bot(emu, url, log, command, extra)
        bot = cls(process, log, work)
        bot.command = "benchmarks.membot" if wrapped else "launchbot run"
        return bot

    def rss_kb(self) -> int:
        return status_kb("VmRSS", str(self.process.pid))

    async def probe(self, release: bool = False) -> dict[str, Any]:
        target = self.out / f"probe-{self.probes}.json"
        self.process.send_signal(signal.SIGUSR2 if release else signal.SIGUSR1)
        async with asyncio.timeout(120):
            while not target.exists():  # noqa: ASYNC110 - another process writes it
                await asyncio.sleep(0.1)
        self.probes += 1
        return dict(json.loads(target.read_text()))

    async def stop(self) -> int:
        return await stop_bot(self.process)


class Mix:
    def __init__(self, emu: Emulator, server: Server, launch_ids: list[int], workers: int) -> None:
        self.emu = emu
        self.workers = workers
        self.server = server
        self.launch_ids = launch_ids
        self.rng = random.Random(11)
        self.listings: list[MessageRecord] = []
        self.added = 0
        self.failed = 0
        self.done = 0

    def pick(self) -> Callable[[], Awaitable[InteractionHandle]]:
        kind = self.rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        if kind == "next" and not self.listings:
            kind = "upcoming"
        return getattr(self, kind)  # type: ignore[no-any-return]

    def upcoming(self) -> Awaitable[InteractionHandle]:
        s = self.server
        return self.emu.invoke_slash(s.guild, s.member, "launch", subcommand="upcoming")

    def next(self) -> Awaitable[InteractionHandle]:
        message = self.rng.choice(self.listings[-50:])
        return self.emu.click_button(message, self.server.member, button_id(message, "Next"))

    def info(self) -> Awaitable[InteractionHandle]:
        s = self.server
        launch = str(self.rng.choice(self.launch_ids))
        return self.emu.invoke_slash(
            s.guild, s.member, "launch", subcommand="info", options={"launch": launch}
        )

    def autocomplete(self) -> Awaitable[InteractionHandle]:
        s = self.server
        typed = f"phone {self.rng.randint(0, 99):02d}"
        if self.rng.random() < 0.5:
            return self.emu.invoke_autocomplete(
                s.guild,
                s.member,
                "launch",
                subcommand="info",
                focused="launch",
                options={"launch": typed},
            )
        return self.emu.invoke_autocomplete(
            s.guild,
            s.editor,
            "launch",
            subcommand="add",
            focused="device",
            options={"device": typed},
        )

    def add(self) -> Awaitable[InteractionHandle]:
        s = self.server
        self.added += 1
        options = {"device": f"Bench {self.added:05d}", "brand": "Brand 01", "date": "Q3 2030"}
        return self.emu.invoke_slash(s.guild, s.editor, "launch", subcommand="add", options=options)

    async def one(self) -> None:
        inject = self.pick()
        try:
            handle = await inject()
            reply = await handle.wait_response(timeout=10)
        except TimeoutError:
            self.failed += 1
            return
        self.done += 1
        if handle.errors or (reply.ephemeral and inject != self.autocomplete):
            self.failed += 1
        if inject == self.upcoming and reply.message is not None:
            self.listings.append(reply.message)

    async def run(self, count: int) -> None:
        remaining = count

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await self.one()

        await asyncio.gather(*(worker() for _ in range(self.workers)))


def _mb(kb: int) -> str:
    return f"{kb / 1024:.1f}"


async def measure(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="launchbot-mem-"))
    async with scratch_database(args.backend, args.pg) as url, Emulator(TOKEN) as emu:
        emu.rate_limits.enabled = False  # the bot is measured, not discord.py's waiting
        server = build_server(emu)
        seeded = await seed_calendar(url, server.guild.id, args.launches, [server.other.id])
        bot = await BotProcess.start(emu, url, args, work)
        mix = Mix(emu, server, seeded.launch_ids, args.workers)
        rows: list[tuple[int, int, dict[str, Any] | None]] = []
        started = time.perf_counter()
        try:
            await asyncio.sleep(SETTLE_S)
            rows.append((0, bot.rss_kb(), await bot.probe() if args.diagnose else None))
            sent = 0
            for target in args.steps:
                await mix.run(target - sent)
                sent = target
                await asyncio.sleep(SETTLE_S)
                rows.append((sent, bot.rss_kb(), await bot.probe() if args.diagnose else None))
            released = await bot.probe(release=True) if args.diagnose else None
            if args.wait_after:
                await asyncio.sleep(args.wait_after)
                rows.append((-1, bot.rss_kb(), await bot.probe() if args.diagnose else None))
        finally:
            code = await bot.stop()
    elapsed = time.perf_counter() - started
    print(
        f"\nbot RSS ({bot.command}, {args.backend}, {args.launches:,} launches; "
        f"{mix.done:,} replies, {mix.failed} failed, {elapsed:.0f} s; exit {code}; "
        f"files in {work})"
    )
    _print_steps(rows)
    if args.diagnose:
        _print_diagnosis(rows, released)


def _print_steps(rows: list[tuple[int, int, dict[str, Any] | None]]) -> None:
    idle = rows[0][1]
    head = f"{'interactions':>12}  {'RSS MB':>7}  {'+MB':>6}  {'KB/inter.':>9}"
    probed = rows[0][2] is not None
    if probed:
        head += f"  {'views':>5}  {'Interaction':>11}  {'msg cache':>9}  {'tasks':>5}"
        head += f"  {'SA cache':>8}  {'traced MB':>9}"
    print(head)
    for sent, rss, probe in rows:
        label = "idle" if sent == 0 else ("+wait" if sent < 0 else f"{sent:,}")
        per = f"{(rss - idle) / sent:.1f}" if sent > 0 else ""
        line = f"{label:>12}  {_mb(rss):>7}  {_mb(rss - idle):>6}  {per:>9}"
        if probe is not None:
            inner = probe["internals"]
            interactions = probe["watched"]["discord.interactions.Interaction"]
            traced = probe.get("traced_kb")
            line += f"  {inner['viewstore_synced_views']:>5}  {interactions:>11}"
            line += f"  {inner['message_cache']!s:>9}  {inner['asyncio_tasks']:>5}"
            line += f"  {inner['sqlalchemy_compiled_cache']:>8}"
            line += f"  {'' if traced is None else _mb(traced):>9}"
        print(line)


def _print_diagnosis(
    rows: list[tuple[int, int, dict[str, Any] | None]], released: dict[str, Any] | None
) -> None:
    last = rows[-1][2]
    assert last is not None
    print("\nlive objects grown since idle (type, +count, live):")
    for name, delta, live in last["types_growth"][:15]:
        print(f"  {delta:>8,}  {live:>8,}  {name}")
    if "grown_by_file" in last:
        print("\nPython heap grown since idle, by file (tracemalloc, KB, +blocks):")
        for filename, kb, count in last["grown_by_file"][:12]:
            print(f"  {kb:>9,.0f}  {count:>8,}  {_short(filename)}")
        print("\nPython heap grown since idle, by traceback (top 8):")
        for entry in last["grown_by_traceback"][:8]:
            frames = " <- ".join(_short(f) for f in entry["frames"][:4])
            print(f"  {entry['kb']:>9,.0f} KB {entry['count']:>8,}  {frames}")
    if released is not None:
        before = last
        print(
            f"\nstopping {released['views_stopped']} live views and dropping "
            f"{released['messages_dropped']} cached messages, then gc.collect():"
        )
        drop = before.get("traced_kb", 0) - released.get("traced_kb", 0)
        print(
            f"  RSS {_mb(before['rss_kb'])} -> {_mb(released['rss_kb'])} MB; "
            f"traced Python heap -{_mb(drop)} MB"
            + (
                f" ({drop / released['views_stopped']:.1f} KB per view)"
                if released["views_stopped"]
                else ""
            )
            + f"; gc objects {before['internals']['gc_tracked_objects']:,} -> "
            f"{released['internals']['gc_tracked_objects']:,}"
        )


def _short(path: str) -> str:
    for marker in ("site-packages/", "/wt-bench/", "/main/", "python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--pg", help="PostgreSQL server URL (default $LAUNCHBOT_TEST_POSTGRES_URL)")
    parser.add_argument("--launches", type=int, default=10_000)
    parser.add_argument("--steps", default="500,1000,2000,3000", help="cumulative interactions")
    parser.add_argument("--workers", type=int, default=4, help="interactions in flight")
    parser.add_argument("--diagnose", action="store_true", help="probe objects and tracemalloc")
    parser.add_argument("--tracemalloc", type=int, default=8, help="frames kept (--diagnose)")
    parser.add_argument(
        "--client-option",
        action="append",
        default=[],
        help="experiment: a discord.py client option as K=JSON, e.g. max_messages=null",
    )
    parser.add_argument(
        "--env", action="append", default=[], help="experiment: K=V in the bot's environment"
    )
    parser.add_argument(
        "--wait-after", type=float, default=0, help="seconds to wait, then read RSS once more"
    )
    args = parser.parse_args(argv)
    args.steps = [int(s) for s in args.steps.split(",")]
    return args


if __name__ == "__main__":
    asyncio.run(measure(parse_args()))
