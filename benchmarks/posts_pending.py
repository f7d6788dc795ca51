"""A million pending posts, for benchmarks.scheduled_posts: seeded straight into the tables (the
ORM would take minutes), each design started and left idle on them, and the dispatcher's own
questions timed through the bot's service and on the bare driver."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.common import asyncpg_dsn, sqlite_path
from benchmarks.posts_processes import start
from bot.config import builtin_guild_defaults
from bot.db import due_post_rows
from bot.db.engine import PG_CONNECT_ARGS, create_engine, create_session_factory, reading
from bot.domain.shards import MAX_SHARDS, ShardSpan
from bot.services.deliveries import DeliveryService
from tests.e2e.harness import TOKEN
from tests.emulator import Emulator

SETTINGS = (
    "guild_id", "announce_channel_id", "timezone", "reminder_offsets", "digest_time",
    "ping_statuses", "change_notices", "scheduled_events", "events_permission_warned",
    "created_at", "updated_at",
)  # fmt: skip
POSTS = (
    "guild_id", "subject", "key", "target", "kind", "due_at", "expires_at", "state", "attempts",
    "late", "created_at", "updated_at",
)  # fmt: skip
SERVER_BASE = 10**17 >> 22
"""Server ids as Discord's (about 10**17), one millisecond apart: so servers spread over shards
as ``(id >> 22) % count`` does, server n on shard n % count."""
ONE_OF_THREE = ShardSpan(3, 1, 1)
NOBODY_S = ShardSpan(MAX_SHARDS, (SERVER_BASE - 1) % MAX_SHARDS, (SERVER_BASE - 1) % MAX_SHARDS)
"""The shard just before server 0's, of as many as there may be: no server of fewer than 65,536
is on it, so its process reads past every post to find none of its own (the worst case: every
pending post belongs to another process)."""
EARLIEST_SQL = (
    "SELECT (SELECT min(due_at) FROM posts WHERE state = 'pending'),"
    " (SELECT min(lease_until) FROM posts WHERE state = 'sending')"
)


def server_id(n: int) -> int:
    return (SERVER_BASE + n) << 22


def _settings(server_count: int, now: datetime) -> list[tuple[Any, ...]]:
    return [
        (server_id(g), 2 * 10**17 + g, "UTC", "[]", "09:00", '["confirmed"]', False, False, False,
         now, now)
        for g in range(server_count)
    ]  # fmt: skip


def _posts(count: int, server_count: int, now: datetime, rng: random.Random) -> Iterator[Any]:
    """Launch posts due over the next year (from ten minutes on), spread over the servers."""
    for n in range(count):
        due = now + timedelta(minutes=10, seconds=rng.randrange(365 * 86400))
        yield (
            server_id(n % server_count), f"launch:{n}", f"launch:0@{due:%Y%m%dT%H%M}", "channel",
            "launch", due, due + timedelta(hours=1), "pending", 0, False, now, now,
        )  # fmt: skip


def _sqlite_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC).replace(tzinfo=None):%Y-%m-%d %H:%M:%S.%f}"
    return value


async def seed_pending(url: str, count: int, server_count: int, rng: random.Random) -> None:
    """``count`` pending posts and ``server_count`` servers' settings, with sqlite3 or COPY."""
    now = datetime.now(UTC)
    if url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(url)) as db:
            for table, columns, rows in (
                ("guild_settings", SETTINGS, _settings(server_count, now)),
                ("posts", POSTS, _posts(count, server_count, now, rng)),
            ):
                db.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)})"
                    f" VALUES ({', '.join('?' * len(columns))})",
                    (tuple(_sqlite_text(v) for v in row) for row in rows),
                )
            db.execute("ANALYZE")
        return
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.copy_records_to_table(
            "guild_settings", records=_settings(server_count, now), columns=SETTINGS
        )
        await conn.copy_records_to_table(
            "posts", records=_posts(count, server_count, now, rng), columns=POSTS
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


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


async def _measure(call: Callable[[], Awaitable[Any]], samples: int) -> list[float]:
    await call()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def query_times(url: str, samples: int) -> dict[str, list[float]]:
    """Milliseconds per call of the dispatcher's questions: the look at the earliest due post
    as the dispatcher makes it (``bot.db.one_trip``: on SQLite on the loop's thread, on
    PostgreSQL one round trip), as it was made before (a read session), and its statement alone
    on the bare driver; and a claim that finds nothing due. The look and the claim also as a
    process running one shard of three makes them, and the look of a process that owns none of
    the posts (it reads past them all)."""
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    clock, defaults = (lambda: datetime.now(UTC)), builtin_guild_defaults()
    service = DeliveryService(sessions, clock, defaults)
    shard = DeliveryService(sessions, clock, defaults, shards=ONE_OF_THREE)
    nobody_s = DeliveryService(sessions, clock, defaults, shards=NOBODY_S)
    now = datetime.now(UTC)

    async def through_a_session() -> None:
        async with reading(sessions) as session:
            await due_post_rows.earliest_due(session)

    async def claim() -> None:
        await service.claim(timedelta(minutes=2), 500, busy=[1, 2, 3], per_guild=5)

    async def claim_one_shard() -> None:
        await shard.claim(timedelta(minutes=2), 500, busy=[1, 2, 3], per_guild=5)

    ways: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("earliest due: the dispatcher's look (now)", service.earliest_due),
        ("earliest due after a moment: the look (now)", lambda: service.earliest_due(now)),
        ("earliest due: read session (before)", through_a_session),
    ]
    # The look as it was before it kept a connection (bot.db.held_look): the same statement
    # through a checkout from the pool, pinged, on an engine made as the bot's is but without it.
    pooled = None
    if not url.startswith("sqlite"):
        pooled = create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                                     connect_args=PG_CONNECT_ARGS)  # fmt: skip
        checkout = DeliveryService(create_session_factory(pooled), clock, defaults)
        ways.append(("earliest due: the look, a pinged checkout each (before)",
                     checkout.earliest_due))  # fmt: skip
    found: dict[str, list[float]] = {}
    try:
        for _ in range(2):  # alternately, so a burst of load elsewhere touches both alike
            for name, call in ways:
                found.setdefault(name, []).extend(await _measure(call, samples // 2))
        found["earliest due: the SQL on the bare driver"] = await _bare(url, samples)
        found["a claim that finds nothing due (write transaction)"] = await _measure(claim, samples)
        if not url.startswith("sqlite"):  # SQLite is one process: it never filters by shard
            found["earliest due: the look of shard 1 of 3's process"] = await _measure(
                shard.earliest_due, samples
            )
            found["the claim that finds nothing, by shard 1 of 3's process"] = await _measure(
                claim_one_shard, samples
            )
            # Every pending post is another's: the look reads its 200 and stops (20 samples).
            found["earliest due: the look of a process that owns no post"] = await _measure(
                nobody_s.earliest_due, max(5, samples // 50)
            )
    finally:
        await engine.dispose()
        if pooled is not None:
            await pooled.dispose()
    return found


async def _bare(url: str, samples: int) -> list[float]:
    if url.startswith("sqlite"):
        db = sqlite3.connect(sqlite_path(url))
        try:

            async def raw() -> None:
                db.execute(EARLIEST_SQL).fetchone()

            return await _measure(raw, samples)
        finally:
            db.close()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await _measure(lambda: conn.fetchrow(EARLIEST_SQL), samples)
    finally:
        await conn.close()
