"""A page of the calendar and a launch's card read on the event loop's own thread on SQLite
(``bot.db.loop_session``): the same answers as through the driver's thread, every commit seen,
a filtered page left to the driver, and a busy, held or vanished file handled as a read through
the driver would be."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db import launch_queries as q
from bot.db.engine import create_engine, create_session_factory
from bot.db.loop_read import loop_reader
from bot.db.loop_session import read
from bot.db.read_session import ReadSession
from bot.domain.calendar_query import Turn, UpcomingFilter
from bot.domain.errors import StorageUnavailable
from bot.domain.inputs import NewClaim, NewLaunch
from bot.domain.records import Actor
from bot.domain.vocabulary import ClaimSubject, LaunchStatus, SourceKind
from bot.services.calendar import CalendarService
from tests.support import databases
from tests.support.clock import FakeClock

GUILD, OTHER = 1001, 1002
EDITOR = Actor(5, "editor")


@contextmanager
def checkouts(engine: AsyncEngine) -> Iterator[Counter[str]]:
    """Connections taken, by where: "driver" (aiosqlite's or asyncpg's) or "loop"."""
    taken: Counter[str] = Counter()
    reader = loop_reader(engine)
    watched: list[tuple[Engine, str]] = [(engine.sync_engine, "driver")]
    if reader is not None:
        watched.append((reader.engine, "loop"))
    hooks = []
    for watched_engine, name in watched:

        def on_checkout(*_: Any, name: str = name) -> None:
            taken[name] += 1

        event.listen(watched_engine, "checkout", on_checkout)
        hooks.append((watched_engine, on_checkout))
    try:
        yield taken
    finally:
        for watched_engine, hook in hooks:
            event.remove(watched_engine, "checkout", hook)


async def _seed(calendar: CalendarService) -> list[int]:
    ids = []
    for n, (device, brand) in enumerate(
        [("Xiaomi 12", "Xiaomi"), ("Mate 50", "Huawei"), ("Mix Fold 2", "Xiaomi")]
    ):
        new = NewLaunch(device, brand, date=f"2030-0{n + 1}-15", aliases=(f"{device} alias",))
        added = (await calendar.add(GUILD, EDITOR, new)).after
        assert added is not None
        ids.append(added.id)
    await calendar.add(OTHER, EDITOR, NewLaunch("Xiaomi 13", "Xiaomi", date="2030-01-01"))
    leak = NewClaim(ClaimSubject.DATE, SourceKind.LEAKER, date="2030-01-12", author="DCS")
    await calendar.add_claim(GUILD, EDITOR, ids[0], leak)
    return ids


async def test_pages_and_cards_read_on_the_loop_are_those_read_through_the_driver(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    ids = await _seed(calendar)
    sessions = create_session_factory(engine)
    wanted = UpcomingFilter(start=calendar.clock())

    async def page_and_card(session: ReadSession) -> tuple[Any, ...]:
        count = await q.count_upcoming(session, GUILD, wanted, 1000)
        rows = await q.upcoming_rows(session, GUILD, wanted, Turn.FIRST, None, 10)
        card = await q.card_launch(session, GUILD, ids[0])
        claims = await q.claim_rows(session, GUILD, ids[0])
        return count, [tuple(r) for r in rows], tuple(card or ()), [tuple(r) for r in claims]

    with checkouts(engine) as taken:
        on_loop = await read(sessions, page_and_card)
    assert taken == (Counter(loop=1) if engine.dialect.name == "sqlite" else Counter(driver=1))
    with checkouts(engine) as taken:
        through_driver = await read(sessions, page_and_card, on_loop=False)
    assert taken == Counter(driver=1)
    assert on_loop == through_driver
    count, rows, card, claims = on_loop
    assert count == 3 and [r[0] for r in rows] == ids
    assert card[0] == ids[0] and len(claims) == 1


async def test_the_service_reads_bounded_pages_and_cards_on_the_loop_and_filtered_pages_not(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    ids = await _seed(calendar)
    where = "loop" if engine.dialect.name == "sqlite" else "driver"
    with checkouts(engine) as taken:
        page = await calendar.upcoming(GUILD)
        card = await calendar.card(GUILD, ids[0])
    assert taken == Counter({where: 2})
    assert [item.id for item in page.items] == ids and page.total == 3
    assert card.launch.aliases == ("Xiaomi 12 alias",) and len(card.claims) == 1
    for filtered in (
        UpcomingFilter(start=calendar.clock(), brand="Xiaomi"),
        UpcomingFilter(start=calendar.clock(), region="Global"),
        UpcomingFilter(start=calendar.clock(), status=LaunchStatus.RUMORED),
    ):
        with checkouts(engine) as taken:
            page = await calendar.upcoming(GUILD, filtered)
        assert taken == Counter(driver=1), filtered
        assert page.total == (2 if filtered.brand else 3)


async def test_a_read_on_the_loop_sees_another_process_commit_at_once(
    calendar: CalendarService, db_url: str, clock: FakeClock
) -> None:
    ids = await _seed(calendar)
    assert (await calendar.upcoming(GUILD)).total == 3
    other = create_engine(db_url)  # its own pool and connections, as another process has
    try:
        elsewhere = CalendarService(create_session_factory(other), clock, builtin_guild_defaults())
        await elsewhere.add(GUILD, EDITOR, NewLaunch("Pixel 9", "Google", date="2030-06-01"))
        await elsewhere.remove(GUILD, EDITOR, ids[1])
    finally:
        await other.dispose()
    page = await calendar.upcoming(GUILD)
    assert [item.device for item in page.items] == ["Xiaomi 12", "Mix Fold 2", "Pixel 9"]


async def test_a_read_asked_while_the_loop_connection_is_held_goes_through_the_driver(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    reader = loop_reader(engine)
    if reader is None:
        pytest.skip("PostgreSQL reads through its driver only")
    ids = await _seed(calendar)
    with reader.connection() as held:
        assert held is not None
        with checkouts(engine) as taken:
            card = await calendar.card(GUILD, ids[2])
    assert taken == Counter(driver=1) and card.launch.device == "Mix Fold 2"


@dataclass
class OnFile:
    path: Path
    engine: AsyncEngine
    calendar: CalendarService


@pytest.fixture
async def on_file(tmp_path: Path, sqlite_template: Path, clock: FakeClock) -> AsyncIterator[OnFile]:
    """A SQLite file of this test's own (the tests below hold, lock or delete it)."""
    path = tmp_path / "launchbot.db"
    engine = create_engine(databases.sqlite_copy(sqlite_template, path))
    calendar = CalendarService(create_session_factory(engine), clock, builtin_guild_defaults())
    try:
        yield OnFile(path, engine, calendar)
    finally:
        await engine.dispose()


async def test_a_busy_sqlite_file_is_read_through_the_driver_which_waits_off_the_loop(
    on_file: OnFile,
) -> None:
    engine, calendar = on_file.engine, on_file.calendar
    holder = sqlite3.connect(on_file.path, isolation_level=None)
    try:
        ids = await _seed(calendar)
        await calendar.upcoming(GUILD)  # the loop's connection opened
        await engine.dispose()  # its connections closed: the holder's lock is to be had
        # A connection in exclusive locking mode keeps every other one out once it has written.
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE launches SET note = 'held'")
        holder.execute("COMMIT")
        asyncio.get_running_loop().call_later(0.5, holder.close)
        with checkouts(engine) as taken:
            page = await calendar.upcoming(GUILD)  # the driver waits for the holder to let go
        assert taken == Counter(loop=1, driver=1)  # the loop tried, and was told it was busy
        assert [item.id for item in page.items] == ids
        assert {item.note for item in page.items} == {"held"}
    finally:
        holder.close()


async def test_a_read_on_the_loop_refuses_a_sqlite_file_that_was_deleted(
    on_file: OnFile,
) -> None:
    calendar = on_file.calendar
    ids = await _seed(calendar)
    assert (await calendar.upcoming(GUILD)).total == 3
    os.remove(on_file.path)
    with pytest.raises(StorageUnavailable):
        await calendar.upcoming(GUILD)
    with pytest.raises(StorageUnavailable):
        await calendar.card(GUILD, ids[0])
    await on_file.engine.dispose()
    assert not on_file.path.exists()


async def test_a_read_through_the_driver_is_in_no_transaction(engine: AsyncEngine) -> None:
    """Each statement sees the latest commit, and no BEGIN or ROLLBACK costs a round trip."""
    sessions = create_session_factory(engine)
    if engine.dialect.name == "postgresql":
        # now() is the transaction's start: two statements in one transaction would agree

        async def two_nows(session: ReadSession) -> tuple[Any, Any]:
            first = await session.scalar(select(func.now()))
            await session.execute(select(func.pg_sleep(0.02)))
            return first, await session.scalar(select(func.now()))

        first, second = await read(sessions, two_nows, on_loop=False)
        assert second > first
        return
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement.split()[0].upper())

    async def two_statements(session: ReadSession) -> int:
        return int(await session.scalar(select(literal(1)))) + int(
            await session.scalar(select(literal(2)))
        )

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        assert await read(sessions, two_statements, on_loop=False) == 3
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
    assert sent == ["SELECT", "SELECT"]
