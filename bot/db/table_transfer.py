"""Moving one table's rows between databases, whatever their backends.

Values are read and written through the columns' types, except that JSON and enum columns go as
the text they are stored as (so SQL NULL stays NULL and JSON ``null`` stays ``null``, and a value
is never re-validated on the way). Writes go in batches: one COPY per batch on PostgreSQL
(asyncpg's ``copy_records_to_table``, inside the transaction), one executemany on SQLite.
A column that refers to its own table (a claim superseded by a later claim) is written NULL first
and set once every row of the table is in, so rows can go in any order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import (
    JSON,
    Enum,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement, Insert, TableClause, column, table
from sqlalchemy.types import TypeEngine


def _transfer_type(kind: TypeEngine[Any]) -> TypeEngine[Any]:
    if isinstance(kind, JSON):
        return Text()
    if isinstance(kind, Enum):
        return String()
    return kind


@dataclass(frozen=True)
class TableShape:
    """What moving a table needs to know about it."""

    name: str
    light: TableClause
    columns: tuple[str, ...]
    json: tuple[bool, ...]
    key: tuple[str, ...]
    deferred: tuple[str, ...]
    """Columns that refer to this same table."""
    counter: str | None
    """The column whose values a sequence (PostgreSQL) or AUTOINCREMENT (SQLite) hands out."""
    sqlite_autoincrement: bool

    @property
    def key_columns(self) -> list[ColumnElement[Any]]:
        return [self.light.c[name] for name in self.key]


def shape_of(source: Table) -> TableShape:
    columns = tuple(c.name for c in source.columns)
    light = table(source.name, *(column(c.name, _transfer_type(c.type)) for c in source.columns))
    counter = source.autoincrement_column
    return TableShape(
        name=source.name,
        light=light,
        columns=columns,
        json=tuple(isinstance(c.type, JSON) for c in source.columns),
        key=tuple(c.name for c in source.primary_key.columns),
        deferred=tuple(fk.parent.name for fk in source.foreign_keys if fk.column.table is source),
        counter=None if counter is None else counter.name,
        sqlite_autoincrement=bool(source.dialect_options["sqlite"].get("autoincrement")),
    )


async def count_rows(conn: AsyncConnection, shape: TableShape) -> int:
    return int(await conn.scalar(select(func.count()).select_from(shape.light)) or 0)


async def read_rows(
    conn: AsyncConnection, shape: TableShape, batch: int
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The table's rows in key order, ``batch`` at a time, from a server-side cursor. JSON comes
    as its text (asyncpg would parse it, and JSON ``null`` would come back as SQL NULL)."""
    columns = [
        cast(shape.light.c[name], Text) if is_json else shape.light.c[name]
        for name, is_json in zip(shape.columns, shape.json, strict=True)
    ]
    statement = select(*columns).order_by(*shape.key_columns)
    result = await conn.stream(statement.execution_options(yield_per=batch))
    async for rows in result.partitions(batch):
        yield [tuple(row) for row in rows]


class TableWriter:
    """Writes one table's rows into the target, inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection, shape: TableShape, *, pg_copy: bool = True) -> None:
        """``pg_copy=False``: executemany on PostgreSQL too (the benchmark's comparison)."""
        self._conn = conn
        self._pg_copy = pg_copy
        self._shape = shape
        self._dialect = conn.dialect
        self._deferred = [shape.columns.index(name) for name in shape.deferred]
        self._keys = [shape.columns.index(name) for name in shape.key]
        self._later: list[dict[str, Any]] = []
        self._converters = [
            (at, process)
            for at, name in enumerate(shape.columns)
            if (process := _processor(shape.light.c[name].type, self._dialect)) is not None
        ]
        """What COPY needs converted: (column index, the type's bind processor)."""
        self.highest = 0
        """The largest value of the counter column written."""

    async def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        shape = self._shape
        if self._deferred:
            rows = [self._defer(row) for row in rows]
        if shape.counter is not None:
            at = shape.columns.index(shape.counter)
            self.highest = max(self.highest, max(int(row[at]) for row in rows))
        if self._dialect.name == "postgresql" and self._pg_copy:
            records = [self._converted(row) for row in rows] if self._converters else rows
            driver: Any = (await self._conn.get_raw_connection()).driver_connection
            try:
                await driver.copy_records_to_table(
                    shape.name, records=records, columns=shape.columns
                )
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                # what SQLAlchemy raises for any other statement's failure
                raise DBAPIError(f"COPY {shape.name}", None, error) from error
        else:
            await self._conn.execute(
                self._insert(), [dict(zip(shape.columns, row, strict=True)) for row in rows]
            )

    def _insert(self) -> Insert:
        """An INSERT for executemany. PostgreSQL takes JSON text only cast to json (SQLite
        stores the text as it is, and its CAST would read "JSON" as a numeric type)."""
        shape = self._shape
        if self._dialect.name != "postgresql" or not any(shape.json):
            return insert(shape.light)
        values: dict[str, Any] = {
            name: cast(bindparam(name, type_=Text()), JSON)
            if is_json
            else bindparam(name, type_=shape.light.c[name].type)
            for name, is_json in zip(shape.columns, shape.json, strict=True)
        }
        return insert(shape.light).values(values)

    def _converted(self, row: tuple[Any, ...]) -> list[Any]:
        values = list(row)
        for at, process in self._converters:
            values[at] = process(values[at])
        return values

    def _defer(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = {self._shape.columns[i]: row[i] for i in self._deferred}
        if any(v is not None for v in values.values()):
            keys = {f"k_{self._shape.columns[i]}": row[i] for i in self._keys}
            self._later.append({**keys, **{f"v_{name}": v for name, v in values.items()}})
        return tuple(None if i in self._deferred else v for i, v in enumerate(row))

    async def finish(self) -> None:
        """Sets the self-referring columns held back, once every row is in."""
        if not self._later:
            return
        light = self._shape.light
        statement = (
            update(light)
            .where(*(light.c[k] == bindparam(f"k_{k}") for k in self._shape.key))
            .values({name: bindparam(f"v_{name}") for name in self._shape.deferred})
        )
        for at in range(0, len(self._later), 5000):
            await self._conn.execute(statement, self._later[at : at + 5000])
        self._later = []


def _processor(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    process: Callable[[Any], Any] | None = kind.dialect_impl(dialect).bind_processor(dialect)
    return process


# counters -----------------------------------------------------------------------------------


async def counter_high(conn: AsyncConnection, shape: TableShape) -> int:
    """The highest id the database's counter has handed out (0 if none), which may be above
    every id left in the table: rows removed since keep their ids from coming back."""
    if shape.counter is None:
        return 0
    if conn.dialect.name == "postgresql":
        sequence = await _pg_sequence(conn, shape)
        if sequence is None:
            return 0
        last = await conn.scalar(
            text("SELECT pg_sequence_last_value(CAST(:s AS regclass))"), {"s": sequence}
        )
        return int(last or 0)
    if not shape.sqlite_autoincrement:
        return 0
    seq = await conn.scalar(
        text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": shape.name}
    )
    return int(seq or 0)


async def set_counter(conn: AsyncConnection, shape: TableShape, high: int) -> None:
    """The next id handed out is ``high + 1``."""
    if shape.counter is None:
        return
    if conn.dialect.name == "postgresql":
        sequence = await _pg_sequence(conn, shape)
        if sequence is not None:
            await conn.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                {"s": sequence, "v": max(high, 1), "called": high > 0},
            )
        return
    if shape.sqlite_autoincrement:
        await conn.execute(text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": shape.name})
        if high > 0:
            await conn.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"),
                {"t": shape.name, "v": high},
            )


async def _pg_sequence(conn: AsyncConnection, shape: TableShape) -> str | None:
    found = await conn.scalar(
        text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": shape.name, "c": shape.counter}
    )
    return None if found is None else str(found)
