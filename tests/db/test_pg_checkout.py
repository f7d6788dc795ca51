"""PostgreSQL's pooled connections (bot/db/pg_checkout.py): one that answered a moment ago goes
out without a ping, one idle longer is pinged, and one the server ended is replaced, even in the
instant after the server ended it, as far as a health check can tell."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import pg_checkout
from bot.db.engine import create_engine, ping
from tests.support import databases

TERMINATE = "SELECT pg_terminate_backend($1, 15000)"
"""Returns once the server process has ended (PostgreSQL 14 and later), its farewell sent."""


@pytest.fixture
async def pg_engine(postgres_database: str | None) -> AsyncIterator[AsyncEngine]:
    if postgres_database is None:
        pytest.skip(f"{databases.POSTGRES_ENV} is not set")
    engine = create_engine(postgres_database)
    yield engine
    await engine.dispose()


@pytest.fixture
async def admin(postgres_database: str | None) -> AsyncIterator[asyncpg.Connection]:
    server = databases.postgres_server_url()
    assert server is not None and postgres_database is not None
    dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    yield connection
    await connection.close()


async def _pid_and_driver(engine: AsyncEngine) -> tuple[int, Any]:
    """The server process behind the connection the pool hands out next, and asyncpg's
    connection for it, after one statement on it."""
    async with engine.connect() as connection:
        pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        raw = await connection.get_raw_connection()
        return pid, raw.driver_connection


async def _queries_sent(engine: AsyncEngine, driver: Any) -> int:
    """What one short transaction costs the connection in queries (asyncpg's own count)."""
    before = driver._protocol.queries_count
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return int(driver._protocol.queries_count - before)


async def test_a_connection_back_a_moment_ago_is_not_pinged_and_an_idle_one_is(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, driver = await _pid_and_driver(pg_engine)
    monkeypatch.setattr(pg_checkout, "PING_AFTER", 3600.0)
    fresh = await _queries_sent(pg_engine, driver)
    monkeypatch.setattr(pg_checkout, "PING_AFTER", 0.0)
    pinged = await _queries_sent(pg_engine, driver)
    assert fresh == 3, "BEGIN, SELECT 1 and ROLLBACK, nothing before them"
    assert pinged > fresh


async def test_a_connection_the_server_closed_is_replaced_before_use(
    pg_engine: AsyncEngine, admin: asyncpg.Connection
) -> None:
    pid, driver = await _pid_and_driver(pg_engine)
    closed = asyncio.Event()
    driver.add_termination_listener(lambda _connection: closed.set())
    assert await admin.fetchval(TERMINATE, pid)
    async with asyncio.timeout(15):
        await closed.wait()
    assert driver.is_closed()
    new_pid, _ = await _pid_and_driver(pg_engine)  # no error: replaced at checkout
    assert new_pid != pid


async def test_a_ping_just_after_the_server_ended_the_connection_gets_the_servers_answer(
    pg_engine: AsyncEngine, admin: asyncpg.Connection
) -> None:
    """asyncpg may have read the server's farewell and not yet the socket's end, so nothing at
    checkout tells the connection is gone: its statement fails, and the ping tries again."""
    for _ in range(5):
        pid, _ = await _pid_and_driver(pg_engine)
        assert await admin.fetchval(TERMINATE, pid)
        await ping(pg_engine)
        new_pid, _ = await _pid_and_driver(pg_engine)
        assert new_pid != pid
