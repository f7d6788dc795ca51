"""SQLite: an import's new rows staged in temporary tables, then moved into the real tables at
once, under the write lock.

A temporary table lives in the connection's own temporary database, so filling it takes no lock
on the main database: other connections go on writing meanwhile. Under the write lock, one
INSERT ... SELECT per table moves the rows, in the import's transaction, so the import stays
all or nothing; the lock is held for the move, not for building the rows and handing them over.

The staged rows carry ids counted on from each table's largest id when they were built. If other
connections added rows since (to other servers: the import checks that its own server did not
change), the move shifts the new rows' ids, and every reference to a new row, past theirs
(a scheduled post's subject names its launch's id, so it moves with it). Rows staged without
an id (scheduled posts) get theirs from the real table as they move.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

REFERENCES: dict[str, dict[str, str]] = {
    "devices": {"brand_id": "brands"},
    "device_aliases": {"device_id": "devices"},
    "launches": {"device_id": "devices"},
    "claims": {"launch_id": "launches", "superseded_by_id": "claims"},
    "posts": {"launch_id": "launches"},
}
"""Columns that may point at a new row, and the table they point into."""
AUDITED = {"launch": "launches", "claim": "claims"}
"""audit_log.entity: the table its entity_id points into."""


def _staged(name: str) -> str:
    return f"temp.import_{name}"


class Staging:
    """The temporary tables of one import, on its connection (temporary tables are the
    connection's own). ``close`` drops them."""

    def __init__(self, conn: AsyncConnection, tables: dict[str, tuple[str, ...]]) -> None:
        self._conn = conn
        self._tables = tables
        self._raw: Any = None
        self._pending: list[asyncio.Future[Any]] = []
        self._began = False

    async def open(self) -> None:
        """Empty staging tables (of untyped columns: the real tables give the values their type
        when the rows move), in a transaction of the temporary database alone."""
        self._raw = (await self._conn.get_raw_connection()).driver_connection
        self._began = not self._raw.in_transaction  # else: under the write lock already
        if self._began:
            await self._raw.execute("BEGIN")
        await self._drop()
        for name, columns in self._tables.items():
            await self._raw.execute(f"CREATE TABLE {_staged(name)} ({', '.join(columns)})")

    def add(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        """Queues the rows; SQLite takes them on the driver's thread while the caller builds the
        next ones (call ``flush`` to wait for them)."""
        if rows:
            marks = ", ".join("?" * len(self._tables[name]))
            sql = f"INSERT INTO {_staged(name)} VALUES ({marks})"
            self._pending.append(asyncio.ensure_future(self._raw.executemany(sql, rows)))

    async def flush(self) -> None:
        """Waits until every queued row is staged."""
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending)

    async def started(self) -> None:
        """Lets the rows just queued reach the driver's thread."""
        await asyncio.sleep(0)

    async def commit(self) -> None:
        """Waits for the queued rows; ends the transaction ``open`` began, if it began one."""
        await self.flush()
        if self._began:
            await self._raw.execute("COMMIT")

    async def move(self, planned: dict[str, int], current: dict[str, int]) -> None:
        """Inserts the staged rows into the real tables (the caller holds the write lock). Ids
        were counted on from ``planned`` (each table's largest id then); ``current`` is each
        table's largest id now."""
        shift = {name: current[name] - top for name, top in planned.items()}
        for name, columns in self._tables.items():
            values = [self._value(name, c, planned, shift) for c in columns]
            await self._conn.exec_driver_sql(
                f"INSERT INTO main.{name} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM {_staged(name)}"
            )

    @staticmethod
    def _value(name: str, column: str, planned: dict[str, int], shift: dict[str, int]) -> str:
        def moved(expression: str, table: str) -> str:
            if not shift.get(table):
                return expression
            return (
                f"CASE WHEN {expression} > {int(planned[table])} "
                f"THEN {expression} + {int(shift[table])} ELSE {expression} END"
            )

        if column == "id":
            return f"id + {int(shift.get(name, 0))}"
        if column in REFERENCES.get(name, {}):
            return moved(column, REFERENCES[name][column])
        if name == "posts" and column == "subject" and shift.get("launches"):
            return f"'launch:' || ({moved('launch_id', 'launches')})"  # post_planning's subject
        if name != "audit_log":
            return column
        if column == "entity_id":
            cases = " ".join(
                f"WHEN '{entity}' THEN {moved('entity_id', table)}"
                for entity, table in AUDITED.items()
            )
            return f"CASE entity {cases} ELSE entity_id END"
        if column == "after" and shift.get("launches"):  # a claim's snapshot names its launch
            launch = "json_extract(after, '$.launch_id')"
            return (
                f"CASE WHEN entity = 'claim' THEN json_set(after, '$.launch_id', "
                f"{moved(launch, 'launches')}) ELSE after END"
            )
        return column

    async def close(self) -> None:
        """Drops the staging tables (after the import's transaction ended)."""
        if self._raw is None:
            return
        for future in self._pending:
            future.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        if self._raw.in_transaction:
            await self._raw.execute("ROLLBACK")
        await self._drop()

    async def _drop(self) -> None:
        for name in _names(self._tables):
            await self._raw.execute(f"DROP TABLE IF EXISTS {_staged(name)}")


def _names(tables: dict[str, tuple[str, ...]]) -> Iterable[str]:
    return reversed(list(tables))
