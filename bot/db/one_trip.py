"""A read of one row in a single trip to the database driver, for a question asked every few
seconds whatever happens (the dispatcher's look at the earliest due post).

Through a session the same statement costs four trips to aiosqlite's thread (cursor, execute,
fetch, close) and a fifth to end the transaction; on PostgreSQL a BEGIN and a ROLLBACK around it.
That took 0.7 to 1.4 ms where the statement itself takes 0.01 ms (docs/benchmarks.md). Here SQLAlchemy compiles the
statement once per dialect and its parameters and results go through the columns' own types, so
it reads exactly what the ORM would; the driver then executes and fetches in one step, outside
any transaction, so the read sees every commit, this process's or another's. On SQLite the file
is checked first, as before every transaction (``bot.db.sqlite_file``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

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
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            checked_file(raw.info)
            driver: Any = raw.driver_connection
            if engine.dialect.name == "sqlite":
                rows = await driver.execute_fetchall(compiled.sql, parameters)
                (found,) = rows
            else:
                found = await driver.fetchrow(compiled.sql, *parameters)
        return tuple(
            value if process is None else process(value)
            for value, process in zip(found, compiled.results, strict=True)
        )

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
