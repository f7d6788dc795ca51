"""The process's writers take SQLite's write lock in turn: a writer behind a write transaction
held longer than the busy timeout waits for its turn instead of failing with "database is
locked" (SQLite's busy handler is no queue: under many writers one can lose every try)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import planned_post_rows, write_gate
from bot.db.engine import begin_write, create_engine, create_session_factory, each_alone
from bot.db.models import Post
from bot.domain.records import PostPlan

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
WAIT_S = 30.0


@pytest.fixture
async def short_busy_engine(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncEngine]:
    """SQLite gives up on a lock after 50 ms; a writer's turn is waited for as long as a test
    runs, so a turn never given back shows as a timeout."""
    monkeypatch.setattr("bot.db.engine.SQLITE_BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(write_gate, "PASS_AFTER", 10 * WAIT_S)
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


def _plan(key: str) -> PostPlan:
    return PostPlan(key=key, target="channel", kind="launch", due_at=NOW,
                    expires_at=NOW + timedelta(hours=1), launch_id=None)  # fmt: skip


async def _write(sessions: async_sessionmaker[AsyncSession], guild: int, alone: bool) -> None:
    if alone:  # as the vote writer does: one statement, its own transaction
        async with sessions() as session:
            await each_alone(session)
            await planned_post_rows.insert(session, guild, "test", [_plan("a")], NOW)
        return
    async with sessions() as session, session.begin():
        await begin_write(session)
        await planned_post_rows.insert(session, guild, "test", [_plan("w")], NOW)


async def _posts(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(Post))).scalar_one()


async def test_writers_behind_a_long_write_wait_their_turn(short_busy_engine: AsyncEngine) -> None:
    sessions = create_session_factory(short_busy_engine)
    holding, release = asyncio.Event(), asyncio.Event()

    async def long_write() -> None:
        async with sessions() as session, session.begin():
            await begin_write(session)
            await planned_post_rows.insert(session, 1, "test", [_plan("long")], NOW)
            holding.set()
            await release.wait()

    holder = asyncio.create_task(long_write())
    await asyncio.wait_for(holding.wait(), WAIT_S)
    writers = [asyncio.create_task(_write(sessions, 10 + n, alone=n % 2 == 0)) for n in range(8)]
    # Held for twenty busy timeouts: without their turn, the writers' tries would have failed.
    await asyncio.sleep(1.0)
    release.set()
    await asyncio.wait_for(asyncio.gather(holder, *writers), WAIT_S)
    assert await _posts(sessions) == 9


async def test_a_write_that_fails_gives_its_turn_back(short_busy_engine: AsyncEngine) -> None:
    sessions = create_session_factory(short_busy_engine)

    async def failing_write() -> None:
        async with sessions() as session, session.begin():
            await begin_write(session)
            await planned_post_rows.insert(session, 1, "test", [_plan("x")], NOW)
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        await failing_write()
    await asyncio.wait_for(_write(sessions, 2, alone=False), WAIT_S)
    await asyncio.wait_for(_write(sessions, 3, alone=True), WAIT_S)
    assert await _posts(sessions) == 2


async def test_a_write_a_member_waits_on_goes_first_but_not_twice_in_a_row() -> None:
    turns = write_gate.Turns()
    assert await turns.take(urgent=False)  # the write under way
    order: list[str] = []

    async def writer(name: str, urgent: bool) -> None:
        assert await turns.take(urgent)
        order.append(name)
        await asyncio.sleep(0)
        turns.pass_on()

    queued = [("post 1", False), ("post 2", False), ("vote 1", True), ("post 3", False),
              ("vote 2", True)]  # fmt: skip
    writers = [asyncio.create_task(writer(name, urgent)) for name, urgent in queued]
    await asyncio.sleep(0)  # each new task runs to its wait in the queue, in the order made
    assert (len(turns.urgent), len(turns.others)) == (2, 3)
    turns.pass_on()
    await asyncio.wait_for(asyncio.gather(*writers), WAIT_S)
    assert order == ["vote 1", "post 1", "vote 2", "post 2", "post 3"]
    assert not turns.taken


async def test_a_writer_cancelled_in_the_queue_leaves_no_turn_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    turns = write_gate.Turns()
    assert await turns.take(urgent=False)
    waiting = asyncio.create_task(turns.take(urgent=True))
    await asyncio.sleep(0)
    assert len(turns.urgent) == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    turns.pass_on()
    assert not turns.taken and not turns.urgent
    monkeypatch.setattr(write_gate, "PASS_AFTER", 0.05)
    assert await turns.take(urgent=False)
    assert await turns.take(urgent=True) is False  # waited PASS_AFTER: asks SQLite anyway
    assert not turns.urgent


async def test_a_writer_given_the_turn_as_it_is_cancelled_hands_it_on() -> None:
    turns = write_gate.Turns()
    assert await turns.take(urgent=False)
    first = asyncio.create_task(turns.take(urgent=False))
    second = asyncio.create_task(turns.take(urgent=False))
    await asyncio.sleep(0)
    assert len(turns.others) == 2
    turns.pass_on()  # the turn goes to the first, which is cancelled before it runs again
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await asyncio.wait_for(second, WAIT_S) is True
    assert turns.taken and not turns.others
    turns.pass_on()
    assert not turns.taken
