"""Scheduled posts against the emulator, with a real `launchbot run` process, side by side with the
one-APScheduler-job-per-reminder baseline (benchmarks/one_job_per_post.py), in one run:

* lateness within the rate budget: posts due one after another below the rate limits; how long
  after its due time each reaches the emulator (both designs);
* a burst: ``--burst`` posts due at the same moment in ``--servers`` servers; posts per second
  from the first to the last, 429s, posts that arrived more or less than once (the bot);
* ``--pending`` pending posts (due over the next year) in SQLite: resident memory once ready,
  start to ready to dispatch, CPU while idle (both designs), and the dispatcher's own queries
  (the earliest due post, a claim that finds nothing due) through the bot's service and on the
  bare driver.

    python -m benchmarks.scheduled_posts [--pending 1000000] [--burst 10000] [--servers 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import percentile, sqlite_path
from benchmarks.membot import status_kb
from bot.app.post_sender import nonce_of
from bot.config import builtin_guild_defaults
from bot.db import post_rows
from bot.db.engine import create_engine, create_session_factory
from bot.services.deliveries import DeliveryService
from tests.e2e.harness import LAUNCHBOT, TOKEN, bot_environment
from tests.emulator import Emulator
from tests.support import databases
from tests.support.post_seeding import Announce, seed_due_posts

BASELINE = (sys.executable, "-m", "benchmarks.one_job_per_post")
BOT = (str(LAUNCHBOT), "run")
BOT_READY = "scheduled posts: watching"
BASELINE_READY = "ready: "
DESIGNS = {"dispatcher": (BOT, BOT_READY), "one job per post": (BASELINE, BASELINE_READY)}
MESSAGES = "/channels/{channel_id}/messages"


@dataclass
class Process:
    process: asyncio.subprocess.Process
    log: Path
    started: float
    ready_after: float = 0.0

    def rss_mb(self) -> float:
        return status_kb("VmRSS", str(self.process.pid)) / 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def start(design: str, emu: Emulator, url: str, folder: Path, within: float) -> Process:
    """The design's process; returns once it says it is ready to dispatch."""
    command, ready = DESIGNS[design]
    log = folder / f"{design.replace(' ', '-')}.log"
    env = bot_environment(emu, url, LAUNCHBOT_LOG_LEVEL="INFO")
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=sink
        )
    running = Process(process, log, started)
    try:
        async with asyncio.timeout(within):
            while ready not in log.read_text(errors="replace"):
                if process.returncode is not None:
                    raise RuntimeError(f"{design} exited:\n" + log.read_text()[-2000:])
                await asyncio.sleep(0.01)
    except BaseException:
        await running.stop()
        raise
    running.ready_after = time.perf_counter() - started
    return running


def servers(emu: Emulator, count: int) -> list[Announce]:
    found = []
    for n in range(count):
        guild = emu.state.add_guild(f"Server {n}", channels=("general", "news", "chat"))
        found.append(Announce(guild.id, emu.state.add_channel(guild, "launches").id))
    return found


def arrived(emu: Emulator) -> list[tuple[str, datetime]]:
    return [
        (m.nonce, m.created_at)
        for m in emu.message_store.created
        if m.nonce is not None and m.nonce.startswith("lbp")
    ]


async def wait_for_posts(emu: Emulator, count: int, within: float) -> None:
    """Every message the emulator stores in these runs is a post; counting them is cheap, where
    reading them all at each arrival would stall the emulator's loop (and bunch its counts)."""
    await emu.message_store.notifier.wait_for(
        lambda: True if len(emu.message_store.created) >= count else None,
        within,
        lambda: f"{len(arrived(emu))} of {count} posts arrived within {within:.0f} s",
    )


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


# lateness ------------------------------------------------------------------------------------


async def lateness(design: str, count: int, rate: float, folder: Path) -> list[float]:
    """``count`` posts due one after another at ``rate`` per second, round-robin over servers so
    each channel gets one every 10 s; seconds from each post's due time to its arrival."""
    async with Emulator(TOKEN) as emu:
        announce = servers(emu, max(1, int(rate * 10)))
        url = databases.sqlite_url(folder / f"lateness-{design.replace(' ', '-')}.db")
        await databases.migrate_to_head(url)
        first = datetime.now(UTC) + timedelta(seconds=20)
        due = [first + timedelta(seconds=n / rate) for n in range(count)]
        ids = await seed_due_posts(url, announce, due)
        running = await start(design, emu, url, folder, within=20)
        try:
            await wait_for_posts(emu, count, within=60 + count / rate)
        finally:
            await running.stop()
        due_of = {nonce_of(i): d for i, d in zip(ids, due, strict=True)}
        return [(at - due_of[nonce]).total_seconds() for nonce, at in arrived(emu)]


# burst ---------------------------------------------------------------------------------------


@dataclass
class Burst:
    posts: int
    servers: int
    first_to_last: float
    due_to_last: float
    rate_429: int
    global_429: int
    more_than_once: int
    missing: int

    @property
    def per_second(self) -> float:
        return (self.posts - 1) / self.first_to_last if self.first_to_last else 0.0


async def burst(count: int, server_count: int, folder: Path) -> Burst:
    async with Emulator(TOKEN) as emu:
        announce = servers(emu, server_count)
        url = databases.sqlite_url(folder / "burst.db")
        await databases.migrate_to_head(url)
        due_at = datetime.now(UTC) + timedelta(seconds=30)
        ids = await seed_due_posts(url, announce, [due_at] * count)
        running = await start("dispatcher", emu, url, folder, within=30)
        try:
            await wait_for_posts(emu, count, within=60 + count / 30)
            await asyncio.sleep(1)  # a duplicate would show up by now
        finally:
            await running.stop()
        posts = arrived(emu)
        times = sorted(at for _, at in posts)
        counts = Counter(nonce for nonce, _ in posts)
        wanted = {nonce_of(i) for i in ids}
        limited = [
            r for r in emu.requests if (r.method, r.route, r.status) == ("POST", MESSAGES, 429)
        ]
        global_429 = sum(
            1 for r in limited if isinstance(r.response, dict) and r.response.get("global")
        )
        return Burst(
            posts=len(posts),
            servers=server_count,
            first_to_last=(times[-1] - times[0]).total_seconds(),
            due_to_last=(times[-1] - due_at).total_seconds(),
            rate_429=len(limited),
            global_429=global_429,
            more_than_once=sum(1 for n in counts.values() if n > 1),
            missing=len(wanted - set(counts)),
        )


# a million pending posts ---------------------------------------------------------------------


def seed_pending(path: str, count: int, server_count: int, rng: random.Random) -> int:
    """``count`` pending launch posts due over the next year, written with sqlite3 (the ORM
    would take minutes), with settings for ``server_count`` servers; returns the file's size."""
    now = datetime.now(UTC).replace(tzinfo=None)
    stamp = f"{now:%Y-%m-%d %H:%M:%S.%f}"
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO guild_settings (guild_id, announce_channel_id, timezone,"
            " reminder_offsets, digest_time, ping_statuses, change_notices, scheduled_events,"
            " events_permission_warned, created_at, updated_at)"
            " VALUES (?, ?, 'UTC', '[]', '09:00', '[\"confirmed\"]', 0, 0, 0, ?, ?)",
            [(10**17 + g, 2 * 10**17 + g, stamp, stamp) for g in range(server_count)],
        )

        def rows():  # type: ignore[no-untyped-def]
            for n in range(count):
                due = now + timedelta(minutes=10, seconds=rng.randrange(365 * 86400))
                yield (
                    10**17 + n % server_count, f"launch:{n}", f"launch:0@{due:%Y%m%dT%H%M}",
                    "channel", "launch", f"{due:%Y-%m-%d %H:%M:%S.%f}",
                    f"{due + timedelta(hours=1):%Y-%m-%d %H:%M:%S.%f}", stamp, stamp,
                )  # fmt: skip

        db.executemany(
            "INSERT INTO posts (guild_id, subject, key, target, kind, due_at, expires_at, state,"
            " attempts, late, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, ?, ?)",
            rows(),
        )
        db.execute("ANALYZE")
    return Path(path).stat().st_size


@dataclass
class Idle:
    design: str
    ready_after: float
    rss_mb: float
    cpu_percent: float


async def idle(design: str, url: str, server_count: int, folder: Path, seconds: float) -> Idle:
    async with Emulator(TOKEN) as emu:
        for g in range(server_count):
            emu.state.add_guild(f"Server {g}")
        running = await start(design, emu, url, folder, within=600)
        try:
            await asyncio.sleep(2)
            cpu = running.cpu_seconds()
            await asyncio.sleep(seconds)
            cpu = running.cpu_seconds() - cpu
            return Idle(design, running.ready_after, running.rss_mb(), 100 * cpu / seconds)
        finally:
            await running.stop()


async def query_times(url: str, samples: int) -> dict[str, list[float]]:
    """Milliseconds per call of the dispatcher's questions, through the service (a checkout, a
    transaction) and on the bare driver (the statements alone)."""
    engine = create_engine(url)
    service = DeliveryService(create_session_factory(engine), lambda: datetime.now(UTC),
                              builtin_guild_defaults())  # fmt: skip
    found: dict[str, list[float]] = {}

    async def measure(name: str, call) -> None:  # type: ignore[no-untyped-def]
        await call()
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            await call()
            times.append((time.perf_counter() - started) * 1000)
        found[name] = times

    try:
        await measure("earliest due (service)", service.earliest_due)
        await measure(
            "claim, nothing due (service)",
            lambda: service.claim(timedelta(minutes=2), 500, busy=[1, 2, 3], per_guild=5),
        )
        sessions = create_session_factory(engine)

        async def bare_earliest() -> None:
            async with sessions() as session:
                await post_rows.earliest_due(session)

        await measure("earliest due (session, no service)", bare_earliest)
        path = sqlite_path(url)
        db = sqlite3.connect(path)
        try:

            async def raw() -> None:
                db.execute("SELECT min(due_at) FROM posts WHERE state = 'pending'").fetchone()
                db.execute("SELECT min(lease_until) FROM posts WHERE state = 'sending'").fetchone()

            await measure("earliest due (bare sqlite3)", raw)
        finally:
            db.close()
    finally:
        await engine.dispose()
    return found


# output --------------------------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print()


def ratio(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}x" if ours else "-"


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="launchbot-posts-bench-") as tmp:
        folder = Path(tmp)
        print(f"scheduled posts, SQLite, {os.cpu_count()} cores\n")

        late = {d: await lateness(d, args.late_posts, args.late_rate, folder) for d in DESIGNS}
        print(f"lateness: {args.late_posts} posts due at {args.late_rate:g}/s, each channel one "
              "per 10 s (target: p99 <= 1 s)")  # fmt: skip
        table(
            ("design", "n", "p50", "p99", "max"),
            [
                (d, str(len(v)), fmt_s(percentile(v, 50)), fmt_s(percentile(v, 99)), fmt_s(max(v)))
                for d, v in late.items()
            ],
        )

        if args.burst:
            b = await burst(args.burst, args.servers, folder)
            print(f"burst: {args.burst:,} posts due together in {args.servers} servers' announce "
                  "channels (target: >= 45 posts/s, zero 429s, each once)")  # fmt: skip
            table(
                ("arrived", "first to last", "posts/s", "due to last", "429s (global)", "twice",
                 "missing"),
                [(f"{b.posts:,}", fmt_s(b.first_to_last), f"{b.per_second:.1f}",
                  fmt_s(b.due_to_last), f"{b.rate_429} ({b.global_429})", str(b.more_than_once),
                  str(b.missing))],
            )  # fmt: skip

        url = databases.sqlite_url(folder / "pending.db")
        await databases.migrate_to_head(url)
        started = time.perf_counter()
        size = seed_pending(sqlite_path(url), args.pending, args.servers, random.Random(7))
        print(f"{args.pending:,} pending posts seeded in {time.perf_counter() - started:.0f} s "
              f"({size / 2**20:.0f} MB file), {args.servers} servers\n")  # fmt: skip
        idles = {d: await idle(d, url, args.servers, folder, args.idle_seconds) for d in DESIGNS}
        empty_url = databases.sqlite_url(folder / "empty.db")
        await databases.migrate_to_head(empty_url)
        empty = {d: await idle(d, empty_url, args.servers, folder, 3) for d in DESIGNS}
        ours, base = idles["dispatcher"], idles["one job per post"]
        print(f"{args.pending:,} pending posts: start to ready to dispatch, resident memory once "
              f"ready, CPU over {args.idle_seconds:g} s idle")  # fmt: skip
        print("(targets: <= 3 s, <= 200 MB, near zero)")
        table(
            ("design", "ready after", "RSS", "RSS, no posts", "idle CPU"),
            [
                (i.design, fmt_s(i.ready_after), f"{i.rss_mb:.0f} MB",
                 f"{empty[i.design].rss_mb:.0f} MB", f"{i.cpu_percent:.2f} %")
                for i in idles.values()
            ]
            + [("baseline / dispatcher", ratio(ours.ready_after, base.ready_after),
                ratio(ours.rss_mb, base.rss_mb), "", "")],
        )  # fmt: skip
        late_ratio = ratio(percentile(late["dispatcher"], 99),
                           percentile(late["one job per post"], 99))  # fmt: skip
        print(f"lateness p99, baseline / dispatcher: {late_ratio}\n")

        found = await query_times(url, args.samples)
        print(f"the dispatcher's questions with {args.pending:,} pending posts (target: <= 1 ms)")
        table(
            ("query", "n", "p50", "p99"),
            [(k, str(len(v)), f"{percentile(v, 50):.3f} ms", f"{percentile(v, 99):.3f} ms")
             for k, v in found.items()],
        )  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--late-posts", type=int, default=600)
    parser.add_argument("--late-rate", type=float, default=20.0)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--samples", type=int, default=300)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
