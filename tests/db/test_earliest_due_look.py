"""The dispatcher's look at the earliest due post, read in one trip to the driver
(``due_post_rows.look_at_earliest_due``): the same answer as the ORM's query, every commit seen at
once (another process's included), and a vanished SQLite file refused as by any transaction."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import due_post_rows, planned_post_rows
from bot.db.engine import create_engine, create_session_factory
from bot.db.held_look import held_look
from bot.db.loop_read import loop_reader
from bot.db.models import Post
from bot.domain.errors import StorageUnavailable
from bot.domain.records import PostPlan
from bot.domain.vocabulary import PostState
from tests.support import databases

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def _plan(key: str, due: datetime) -> PostPlan:
    return PostPlan(key=key, target="channel", kind="launch", due_at=due,
                    expires_at=due + timedelta(hours=1), launch_id=None)  # fmt: skip


async def _insert(engine: AsyncEngine, guild_id: int, *plans: PostPlan) -> None:
    async with create_session_factory(engine)() as session, session.begin():
        await planned_post_rows.insert(session, guild_id, "test", list(plans), NOW)


async def _both(engine: AsyncEngine, after: datetime | None = None) -> datetime | None:
    """The look's answer, checked against the ORM query's."""
    looked = await due_post_rows.look_at_earliest_due(engine, after)
    async with create_session_factory(engine)() as session:
        assert looked == await due_post_rows.earliest_due(session, after)
    assert looked is None or looked.tzinfo is UTC
    return looked


async def test_the_look_finds_the_earliest_pending_post_or_run_out_lease(
    engine: AsyncEngine,
) -> None:
    assert await _both(engine) is None
    assert await _both(engine, NOW) is None
    await _insert(engine, 1, _plan("a", NOW + timedelta(minutes=5)))
    await _insert(engine, 2, _plan("b", NOW + timedelta(minutes=9, microseconds=7)))
    assert await _both(engine) == NOW + timedelta(minutes=5)
    assert await _both(engine, NOW + timedelta(minutes=5)) == NOW + timedelta(
        minutes=9, microseconds=7
    )
    async with create_session_factory(engine)() as session, session.begin():
        await session.execute(
            update(Post)
            .where(Post.key == "a")
            .values(state=PostState.SENDING, lease_until=NOW + timedelta(minutes=7))
        )
    assert await _both(engine) == NOW + timedelta(minutes=7)
    assert await _both(engine, NOW + timedelta(minutes=10)) is None


async def test_the_look_sees_what_another_process_commits_at_once(
    engine: AsyncEngine, db_url: str
) -> None:
    await _insert(engine, 1, _plan("later", NOW + timedelta(hours=1)))
    assert await due_post_rows.look_at_earliest_due(engine) == NOW + timedelta(hours=1)
    other = create_engine(db_url)  # its own pool and connections, as another process has
    try:
        await _insert(other, 2, _plan("sooner", NOW + timedelta(minutes=1)))
        assert await due_post_rows.look_at_earliest_due(engine) == NOW + timedelta(minutes=1)
        async with create_session_factory(other)() as session, session.begin():
            await session.execute(update(Post).values(state=PostState.SENT))
    finally:
        await other.dispose()
    assert await due_post_rows.look_at_earliest_due(engine) is None


async def test_the_look_refuses_a_sqlite_file_that_was_deleted(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "launchbot.db"
    engine = create_engine(databases.sqlite_copy(sqlite_template, path))
    try:
        await _insert(engine, 1, _plan("a", NOW))
        assert await due_post_rows.look_at_earliest_due(engine) == NOW
        os.remove(path)
        with pytest.raises(StorageUnavailable):
            await due_post_rows.look_at_earliest_due(engine)
    finally:
        await engine.dispose()
    assert not path.exists()


async def test_a_busy_sqlite_file_is_read_through_the_driver_which_waits_off_the_loop(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "launchbot.db"
    engine = create_engine(databases.sqlite_copy(sqlite_template, path))
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        await _insert(engine, 1, _plan("a", NOW))
        reader = loop_reader(engine)
        assert reader is not None
        assert reader.row("PRAGMA busy_timeout", []) == (0,)  # on the loop's thread: never waits
        await engine.dispose()  # its connections closed: the holder's lock is to be had
        # A connection in exclusive locking mode keeps every other one out once it has written.
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE posts SET attempts = 0")
        holder.execute("COMMIT")
        assert reader.row("SELECT count(*) FROM posts", []) is None
        asyncio.get_running_loop().call_later(0.5, holder.close)
        assert await due_post_rows.look_at_earliest_due(engine) == NOW  # the driver waited for it
    finally:
        holder.close()
        await engine.dispose()


async def _backend_alive(engine: AsyncEngine, pid: int) -> bool:
    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
        return bool(found.scalar_one())


async def test_on_postgresql_the_look_keeps_a_connection_and_outlives_its_loss(
    engine: AsyncEngine, db_url: str
) -> None:
    """A checkout from the pool is pinged (three round trips): the look keeps its connection,
    takes a fresh one when it is lost, and closes it with the engine."""
    look = held_look(engine)
    if engine.dialect.name != "postgresql":
        assert look is None  # SQLite's look is made on the loop's own thread
        return
    assert look is not None
    (pid,) = await look.row(engine, "SELECT pg_backend_pid()", [])
    assert (await look.row(engine, "SELECT pg_backend_pid()", []))[0] == pid
    await _insert(engine, 1, _plan("a", NOW))
    other = create_engine(db_url)
    try:
        async with other.connect() as connection:  # a restart, or an administrator's kill
            await connection.execute(text("SELECT pg_terminate_backend(:pid, 15000)"), {"pid": pid})
        assert await due_post_rows.look_at_earliest_due(engine) == NOW
        (fresh,) = await look.row(engine, "SELECT pg_backend_pid()", [])
        assert fresh != pid
        await engine.dispose()
        for _ in range(300):
            if not await _backend_alive(other, fresh):
                break
            await asyncio.sleep(0.05)
        assert not await _backend_alive(other, fresh)
    finally:
        await other.dispose()
