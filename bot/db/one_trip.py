"""A read of one row without a session, for a question asked every few seconds whatever happens
(the dispatcher's look at the earliest due post).

Through a session the same statement costs four trips to aiosqlite's thread (cursor, execute,
fetch, close) and a fifth to end the transaction; on PostgreSQL a BEGIN and a ROLLBACK around
it: 0.7 to 1.4 ms where the statement itself takes 0.005 ms (docs/benchmarks.md). Here
SQLAlchemy compiles the statement once per dialect and its parameters and results go through
the columns' own types, so it reads exactly what the ORM would. On SQLite it is read on the
loop's own thread (``bot.db.loop_read``), or, when SQLite is busy, through the driver's thread
in one trip (execute and fetch in one step); on PostgreSQL in one round trip, on a connection
the look keeps (``bot.db.held_look``: a checkout from the pool costs a ping of three round
trips). Always outside any
transaction, so the read sees every commit, this process's or another's; on SQLite the file is
checked first, as before every transaction (``bot.db.sqlite_file``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.held_look import held_look
from bot.db.loop_read import loop_reader
from bot.db.sqlite_file import checked_file

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    defaults: dict[str, Any]
    order: tuple[str, ...]
    """The parameters' names in the order the driver takes them (one may come twice)."""
    binds: Mapping[str, _Processor]
    results: tuple[_Processor, ...]


class OneTripRead:
    """``statement`` must return exactly one row (an aggregate, say)."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self._statement = statement
        self._compiled: dict[str, _Compiled] = {}

    async def row(self, engine: AsyncEngine, **values: Any) -> tuple[Any, ...]:
        """The row, with ``values`` for the statement's named bind parameters."""
        compiled = self._compile(engine.dialect)
        given = compiled.defaults | values
        parameters = []
        for name in compiled.order:
            process = compiled.binds[name]
            parameters.append(given[name] if process is None else process(given[name]))
        found: Sequence[Any] | None = None
        reader = loop_reader(engine)
        if reader is not None:
            found = reader.row(compiled.sql, parameters)
        if found is None:
            found = await self._through_the_driver(engine, compiled.sql, parameters)
        return tuple(
            value if process is None else process(value)
            for value, process in zip(found, compiled.results, strict=True)
        )

    @staticmethod
    async def _through_the_driver(
        engine: AsyncEngine, sql: str, parameters: list[Any]
    ) -> Sequence[Any]:
        held = held_look(engine)
        if held is not None:
            return await held.row(engine, sql, parameters)
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            checked_file(raw.info)
            driver: Any = raw.driver_connection
            if engine.dialect.name == "sqlite":
                (found,) = await driver.execute_fetchall(sql, parameters)
                return found  # type: ignore[no-any-return]
            return await driver.fetchrow(sql, *parameters)  # type: ignore[no-any-return]

    def _compile(self, dialect: Dialect) -> _Compiled:
        known = self._compiled.get(dialect.name)
        if known is not None:
            return known
        compiled = self._statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ())
        binds = {
            name: compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in order
        }
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self._statement.selected_columns
        )
        defaults = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if name in binds and not bind.required
        }
        made = _Compiled(compiled.string, defaults, order, binds, results)
        self._compiled[dialect.name] = made
        return made
