"""Reads of a few bounded statements made on the event loop's own thread, for the commands every
member runs (a page of ``/launch upcoming``, a launch's card).

Through aiosqlite each statement of a read is four or five trips to the connection's thread
(cursor, execute, fetch, close), each two thread wake-ups: at 100,000 launches a first page
took 2.0 to 2.4 ms for 0.5 ms of SQLite's own work. On the loop's thread the same statements
through SQLAlchemy's synchronous engine take 0.6 to 0.7 ms, and a read that takes a millisecond
is no longer than the Python around it. Only reads whose statements are bounded by an index (a
few rows, a count capped at 1,001) are made here: a scan would stop the loop while it runs.

``read`` runs the work with a ``LoopSession`` when the engine is a SQLite file, its loop
connection is free (``bot.db.loop_read``) and SQLite can read without waiting. Otherwise, or
when SQLite turned out to be busy, it runs with a ``ConnectionSession``: a pooled connection and
no ORM session, in no transaction (PostgreSQL in autocommit: no BEGIN and ROLLBACK round trips;
SQLite, on aiosqlite's thread, waits like every other read). PostgreSQL's bursts of pages and
cards cost the bot 2.1 to 2.6 ms of CPU per interaction so, 2.6 to 3.3 ms through a session.
Either way each statement sees the latest commit. The work must only read through the session
it is given.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection, Executable, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import read_alone_options
from bot.db.loop_read import is_busy, loop_reader
from bot.db.read_session import ReadSession

T = TypeVar("T")


class LoopSession:
    """A ``ReadSession`` over the loop's connection: its awaits never suspend."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Result[Any]:
        # fetched at once, so no statement stays open (holding a snapshot) after the read
        return self._connection.execute(statement, params).freeze()()

    async def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        return self._connection.scalar(statement, params)


class ConnectionSession:
    """A ``ReadSession`` over a pooled connection of the engine."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Result[Any]:
        return await self._connection.execute(statement, params)

    async def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        return await self._connection.scalar(statement, params)


async def read(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[ReadSession], Awaitable[T]],
    *,
    on_loop: bool = True,
) -> T:
    """``on_loop``: whether the work's statements are bounded (see above)."""
    engine: AsyncEngine = sessions.kw["bind"]
    reader = loop_reader(engine) if on_loop else None
    if reader is not None:
        with reader.connection() as connection:
            if connection is not None:
                try:
                    return await work(LoopSession(connection))
                except OperationalError as error:
                    if not _busy(error):
                        raise
    async with engine.connect() as connection:
        await connection.execution_options(**read_alone_options(engine.dialect.name))
        return await work(ConnectionSession(connection))


def _busy(error: OperationalError) -> bool:
    return isinstance(error.orig, sqlite3.OperationalError) and is_busy(error.orig)
