"""A PostgreSQL connection kept out of the pool for the dispatcher's look (``bot.db.one_trip``).

A checkout from the pool costs the pool's bookkeeping and, for a connection idle a while (as the
look's is between looks), a ping of three round trips (BEGIN, an empty statement, ROLLBACK;
``bot.db.pg_checkout``): a look through the pool with ``pool_pre_ping`` cost 0.17 ms at the
median and 2.4 to 3.6 ms at the 99th percentile on the loaded 2-core machine, where the same
read on a connection already in hand cost 0.02 and 0.09 ms (docs/benchmarks.md). So the look
keeps the connection it checked out (checked then) and reads on it, one statement at a time,
outside any transaction (each read sees every commit). A read that fails gives the connection
up (invalidated) and is tried once more on a fresh one, so a server restarted or a connection
killed costs one retry. The connection is closed when the engine is disposed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_LOOKS: WeakKeyDictionary[Engine, HeldLook] = WeakKeyDictionary()


class HeldLook:
    def __init__(self) -> None:
        self._connection: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def row(self, engine: AsyncEngine, sql: str, parameters: Sequence[Any]) -> Sequence[Any]:
        """The statement's one row, read on the held connection (checked out of ``engine``'s
        pool when there is none)."""
        async with self._lock:
            try:
                return await self._fetch(engine, sql, parameters)
            except Exception:
                await self._give_up()
            return await self._fetch(engine, sql, parameters)

    async def _fetch(
        self, engine: AsyncEngine, sql: str, parameters: Sequence[Any]
    ) -> Sequence[Any]:
        if self._connection is None:
            self._connection = await engine.connect()
        raw = await self._connection.get_raw_connection()
        driver: Any = raw.driver_connection
        return await driver.fetchrow(sql, *parameters)  # type: ignore[no-any-return]

    async def _give_up(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # it failed already; it is only let go
                await connection.invalidate()
                await connection.close()

    def close(self) -> None:
        """When the engine is disposed (inside its dispose, where the driver may be awaited)."""
        connection, self._connection = self._connection, None
        if connection is not None and connection.sync_connection is not None:
            with contextlib.suppress(Exception):  # a connection of a loop that has ended
                connection.sync_connection.invalidate()
                connection.sync_connection.close()


def attach(engine: AsyncEngine) -> None:
    """Gives a PostgreSQL engine its look, closed when the engine is disposed."""
    look = HeldLook()
    _LOOKS[engine.sync_engine] = look
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: look.close())


def held_look(engine: AsyncEngine) -> HeldLook | None:
    return _LOOKS.get(engine.sync_engine)
