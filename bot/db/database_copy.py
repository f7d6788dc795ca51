"""Every table of one database copied into another (SQLite to PostgreSQL, or back), all or nothing.

The target's schema is brought to head first with the project's migrations. Then, in one
transaction on the target (its tables locked: ``LOCK TABLE`` on PostgreSQL, the write lock on
SQLite), every table of the models is copied in foreign-key order, from one consistent snapshot
of the source (a read transaction; REPEATABLE READ on PostgreSQL), and summed on both sides
(``table_checksums``). The counters go past the ids copied, or past the source's own counter
when rows were removed at the top, so no id is ever handed out twice. Only when every table's
row count and checksum match is the transaction committed; any failure rolls it back, leaving
the target as it was (empty, for a fresh one). A PostgreSQL target is then ANALYZEd:
a bot started on it at once would otherwise plan its queries without statistics until
autovacuum came by (or for good, where autovacuum is off), and on a big guild that turns the
upcoming count's ordered, limited index scan into a bitmap scan of every launch (6 ms, not 0.5).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db import migrate
from bot.db.engine import WRITE, create_engine
from bot.db.models import Base
from bot.db.sqlite_file import sqlite_path
from bot.db.table_checksums import TableSum
from bot.db.table_transfer import (
    TableShape,
    TableWriter,
    count_rows,
    counter_high,
    read_rows,
    set_counter,
    shape_of,
)
from bot.domain.errors import StorageUnavailable

BATCH = 2000
log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
"""Called as ``(table, rows copied, rows in all)`` after each batch."""


class CopyRefused(Exception):
    """The copy was not started; the message says why and what to do."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
        """``unreachable``, ``same``, ``not-empty``, ``source-schema`` or ``target-schema``."""


class CopyFailed(Exception):
    """The copy started and was rolled back; the target is as it was."""


@dataclass(frozen=True, slots=True)
class TableCopied:
    name: str
    source_rows: int
    source_sum: str
    target_rows: int
    target_sum: str

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


@dataclass(frozen=True, slots=True)
class CopyDone:
    tables: tuple[TableCopied, ...]
    revision: str
    replaced_rows: int
    """Rows the target held before (``--replace``), now gone."""

    @property
    def rows(self) -> int:
        return sum(t.target_rows for t in self.tables)


def shown(url: str) -> str:
    """A database URL as it may be printed: never with its password."""
    return make_url(url).render_as_string(hide_password=True)


def shapes() -> list[TableShape]:
    """Every table of the models, each after the tables it refers to."""
    return [shape_of(table) for table in Base.metadata.sorted_tables]


async def copy_database(
    source_url: str,
    target_url: str,
    *,
    replace: bool = False,
    batch: int = BATCH,
    progress: Progress | None = None,
    pg_copy: bool = True,
) -> CopyDone:
    """Neither database is created or changed until every check has passed; a SQLite target
    that does not exist yet (nor its folder) is created only then. ``pg_copy=False`` writes
    into PostgreSQL with executemany instead of COPY (the benchmark's comparison)."""
    source = create_engine(source_url, create=False)
    target: AsyncEngine | None = None
    try:
        fresh = (path := sqlite_path(target_url)) is not None and not path.exists()
        await _reach(source, "source")
        if not fresh:
            target = create_engine(target_url, create=False)
            await _reach(target, "target")
            await _refuse_same(source, target)
        head = await _check_source(source)
        if target is not None:
            await _check_target(target, replace)
        else:
            target = create_engine(target_url, create=True)
        await migrate.upgrade(target)
        tables, replaced = await _copy(source, target, replace, batch, progress, pg_copy)
        await _analyze(target)
        return CopyDone(tables, head, replaced)
    finally:
        await source.dispose()
        if target is not None:
            await target.dispose()


async def _analyze(target: AsyncEngine) -> None:
    """Statistics for a PostgreSQL target's planner, after the commit: a copy that failed only
    here is still a good copy (autovacuum would analyze it later), so this only warns."""
    if target.dialect.name != "postgresql":
        return
    try:
        async with target.begin() as conn:
            await conn.execute(text(f"ANALYZE {', '.join(s.name for s in shapes())}"))
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        log.warning("the copy is committed, but ANALYZE of it failed: %s", _reason(exc))


async def _reach(engine: AsyncEngine, role: str) -> None:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (DBAPIError, SQLAlchemyError, OSError, StorageUnavailable) as exc:
        reason = _reason(exc)
        hint = " (create it first, e.g. with createdb)" if "does not exist" in reason else ""
        raise CopyRefused(
            f"cannot use the {role} database {shown(str(engine.url))}: {reason}{hint}",
            "unreachable",
        ) from None


async def _check_source(source: AsyncEngine) -> str:
    head = migrate.head_revision()
    revision = await migrate.current_revision(source)
    if revision != head:
        state = "empty" if revision is None else f"at revision {revision}"
        raise CopyRefused(
            f"the source database is {state} but this version copies {head}: run "
            "`launchbot db upgrade` on it first",
            "source-schema",
        )
    return head


async def _check_target(target: AsyncEngine, replace: bool) -> None:
    revision = await migrate.current_revision(target)
    if revision is not None and not migrate.known_revision(revision):
        raise CopyRefused(
            f"the target database is at revision {revision}, which this version of launchbot "
            "does not know (a newer version made it): nothing was copied",
            "target-schema",
        )
    held = await _rows_held(target)
    if held and not replace:
        raise CopyRefused(
            f"the target database already holds data ({_held_text(held)}): nothing was copied; "
            "--replace empties it first",
            "not-empty",
        )


async def _copy(
    source: AsyncEngine,
    target: AsyncEngine,
    replace: bool,
    batch: int,
    progress: Progress | None,
    pg_copy: bool,
) -> tuple[tuple[TableCopied, ...], int]:
    every = shapes()
    async with source.connect() as src:
        if src.dialect.name == "postgresql":
            await src.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        async with src.begin(), target.connect() as dst:
            if dst.dialect.name == "sqlite":
                await dst.execution_options(**{WRITE: True})
            async with dst.begin():
                try:
                    replaced = await _clear(dst, every, replace)
                except (DBAPIError, SQLAlchemyError) as exc:
                    raise CopyFailed(f"cannot empty the target: {_reason(exc)}") from exc
                copied = []
                for shape in every:
                    try:
                        copied.append(await _copy_table(src, dst, shape, batch, progress, pg_copy))
                    except (DBAPIError, SQLAlchemyError) as exc:
                        raise CopyFailed(
                            f"copying the table {shape.name} failed, so the target was left as "
                            f"it was: {_reason(exc)}"
                        ) from exc
                different = [t.name for t in copied if not t.matches]
                if different:
                    raise CopyFailed(
                        "the copy does not match the source in "
                        f"{', '.join(different)}, so the target was left as it was"
                    )
                return tuple(copied), replaced


async def _copy_table(
    src: AsyncConnection,
    dst: AsyncConnection,
    shape: TableShape,
    batch: int,
    progress: Progress | None,
    pg_copy: bool,
) -> TableCopied:
    total = await count_rows(src, shape)
    read = TableSum(shape.json)
    writer = TableWriter(dst, shape, pg_copy=pg_copy)
    async for rows in read_rows(src, shape, batch):
        read.add(rows)
        await writer.write(rows)
        if progress is not None:
            progress(shape.name, read.rows, total)
    await writer.finish()
    await set_counter(dst, shape, max(writer.highest, await counter_high(src, shape)))
    written = TableSum(shape.json)
    async for rows in read_rows(dst, shape, batch):
        written.add(rows)
    return TableCopied(shape.name, read.rows, read.digest, written.rows, written.digest)


async def _clear(dst: AsyncConnection, every: list[TableShape], replace: bool) -> int:
    """Locks the target's tables for the transaction; empties them for ``replace``, else makes
    sure they are still empty. Returns the rows removed."""
    names = [shape.name for shape in every]
    if dst.dialect.name == "postgresql":
        await dst.execute(text(f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE"))
    held = {s.name: n for s in every if (n := await count_rows(dst, s))}
    if not held:
        return 0
    if not replace:
        raise CopyRefused(
            f"the target database took data meanwhile ({_held_text(held)}): nothing was copied",
            "not-empty",
        )
    if dst.dialect.name == "postgresql":
        await dst.execute(text(f"TRUNCATE {', '.join(names)}"))
    else:
        for name in reversed(names):
            await dst.execute(text(f"DELETE FROM {name}"))
    return sum(held.values())


async def _rows_held(engine: AsyncEngine) -> dict[str, int]:
    """Rows in each of the models' tables the target has (tables it lacks hold none)."""
    async with engine.connect() as conn:
        present = set(await conn.run_sync(_table_names))
        held = {}
        for shape in shapes():
            if shape.name in present and (n := await count_rows(conn, shape)):
                held[shape.name] = n
        return held


def _table_names(conn: Connection) -> list[str]:
    return inspect(conn).get_table_names()


def _held_text(held: dict[str, int]) -> str:
    rows = sum(held.values())
    return f"{rows:,} row{'s' if rows != 1 else ''} in {', '.join(sorted(held))}"


async def _refuse_same(source: AsyncEngine, target: AsyncEngine) -> None:
    target_identity = await _identity(target)
    if target_identity is not None and target_identity == await _identity(source):
        raise CopyRefused(
            f"the target {shown(target.url.render_as_string(hide_password=False))} is the "
            "configured database itself: "
            "give --to another database",
            "same",
        )


async def _identity(engine: AsyncEngine) -> tuple[object, ...] | None:
    """What tells one database from another, however its URL is spelt: a SQLite file's device
    and inode (None for a file that does not exist yet), or a PostgreSQL database's name on a
    server known by its start time and port."""
    path = sqlite_path(str(engine.url))
    if path is not None:
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return None
        return ("sqlite", status.st_dev, status.st_ino)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT current_database(), pg_postmaster_start_time(), inet_server_port()")
            )
        ).one()
    return ("postgresql", *row)


def _reason(exc: Exception) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
