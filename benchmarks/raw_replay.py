"""What a service call costs on the bare database driver: the SQL statements a CalendarService
call sends, captured with SQLAlchemy's cursor events, replayed with sqlite3 or asyncpg directly
(no ORM, no pool), as the floor under the end-to-end figures. SQLite's floor is the sqlite3
module on the calling thread, as the bot's bounded reads are made (``bot.db.loop_session``);
through aiosqlite each statement would add four trips to its thread."""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.common import asyncpg_dsn, sqlite_path
from bot.config import builtin_guild_defaults
from bot.db.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine, create_session_factory
from bot.db.loop_read import loop_reader
from bot.domain.calendar_query import PageRequest
from bot.domain.clock import utc_now
from bot.render.lists import PAGE_SIZE
from bot.services.calendar import CalendarService

Statement = tuple[str, Any]
Replay = Callable[[Sequence[Statement]], Awaitable[None]]
FIRST_PAGE = PageRequest(limit=PAGE_SIZE)


async def captured(engine: AsyncEngine, call: Callable[[], Awaitable[object]]) -> list[Statement]:
    """The statements (as sent to the driver, with their parameters) one ``call`` sends."""
    seen: list[Statement] = []

    def remember(*args: Any) -> None:
        _conn, _cursor, statement, parameters, _context, _many = args
        seen.append((statement, parameters))

    reader = loop_reader(engine)  # SQLite's reads on the loop's thread have an engine of their own
    engines = [engine.sync_engine, *([reader.engine] if reader else [])]
    for watched in engines:
        event.listen(watched, "before_cursor_execute", remember)
    try:
        await call()
    finally:
        for watched in engines:
            event.remove(watched, "before_cursor_execute", remember)
    return seen


@asynccontextmanager
async def bare_driver(url: str, backend: str) -> AsyncIterator[Replay]:
    """A replay function on one connection of the bare driver, set up as the bot's engine sets
    up its SQLite connections (WAL, foreign keys, synchronous=NORMAL, busy timeout)."""
    if backend == "sqlite":
        db = sqlite3.connect(sqlite_path(url), isolation_level=None)
        try:
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
                db.execute(f"PRAGMA {pragma}")
            db.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")

            async def run_sqlite(statements: Sequence[Statement]) -> None:
                for sql, params in statements:
                    db.execute(sql, params).fetchall()

            yield run_sqlite
        finally:
            db.close()
        return
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:

        async def run_pg(statements: Sequence[Statement]) -> None:
            for sql, params in statements:
                await conn.fetch(sql, *params)

        yield run_pg
    finally:
        await conn.close()


async def timed(work: Callable[[], Awaitable[object]], samples: int, warm: int = 3) -> list[float]:
    """``samples`` timings of ``work`` in ms, after ``warm`` untimed calls."""
    for _ in range(warm):
        await work()
    found = []
    for _ in range(samples):
        started = time.perf_counter()
        await work()
        found.append((time.perf_counter() - started) * 1000)
    return found


@dataclass
class ReplayTimes:
    page: list[float] = field(default_factory=list)
    """The first page of /launch upcoming: every statement CalendarService.upcoming sent."""
    card: list[float] = field(default_factory=list)
    """A launch card (/launch info): every statement CalendarService.card sent."""


async def replay_service_calls(
    url: str, backend: str, guild_id: int, launch_ids: Sequence[int], samples: int
) -> ReplayTimes:
    """The first page and the cards of ``launch_ids`` (in turn), ``samples`` times each."""
    engine = create_engine(url)
    try:
        calendar = CalendarService(
            create_session_factory(engine), utc_now, builtin_guild_defaults()
        )
        await calendar.upcoming(guild_id, page=FIRST_PAGE)
        page = await captured(engine, lambda: calendar.upcoming(guild_id, page=FIRST_PAGE))
        cards = []
        for launch_id in launch_ids:
            cards.append(await captured(engine, lambda i=launch_id: calendar.card(guild_id, i)))
    finally:
        await engine.dispose()
    turn = itertools.count()
    async with bare_driver(url, backend) as replay:
        return ReplayTimes(
            page=await timed(lambda: replay(page), samples),
            card=await timed(lambda: replay(cards[next(turn) % len(cards)]), samples),
        )
