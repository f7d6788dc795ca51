"""Alembic, driven from code: upgrade to head and tell whether a database is current."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import migrations
from bot.db.engine import SQLITE_BUSY_TIMEOUT_MS, WRITE

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the migration chain has no head")
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


MIGRATION_LOCK = 0x6C61756E6368626F
"""PostgreSQL advisory lock key ("launchbo") held by every migration run: two ``launchbot db
upgrade`` (or ``db copy``) runs at once take turns, and the second finds the schema at head."""
SQLITE_MIGRATION_BUSY_MS = 300_000
"""How long a migration on SQLite waits for another one to finish (the bot's 5 s would fail a
second ``db upgrade`` that starts while the first rebuilds a large table)."""


async def _migrate(
    engine: AsyncEngine, action: Callable[[Config], None]
) -> tuple[str | None, str | None]:
    """Runs an Alembic command on one connection, one run at a time, and returns the revisions
    before and after it, both read while no other run can change them.

    Runs are serialised by a PostgreSQL advisory lock held until the transaction ends, or on
    SQLite by the write lock taken when the transaction begins (``BEGIN IMMEDIATE``), so a run
    that waited reads the revision the other one left.

    On SQLite, foreign keys are switched off for the run: batch mode rebuilds a table by copying
    and dropping it, and with foreign keys on, that drop would cascade into the rows that refer
    to it. The keys are checked once the migration is done.
    """
    revisions: list[str | None] = []

    def run(connection: Connection) -> None:
        revisions.append(_current(connection))
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        action(cfg)
        revisions.append(_current(connection))

    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await _sqlite_foreign_keys(conn, on=False)
            await _sqlite_busy_timeout(conn, SQLITE_MIGRATION_BUSY_MS)
            await conn.execution_options(**{WRITE: True})
        try:
            async with conn.begin():
                if not sqlite:
                    lock = text("SELECT pg_advisory_xact_lock(:key)")
                    await conn.execute(lock, {"key": MIGRATION_LOCK})
                await conn.run_sync(run)
                if sqlite:
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
        finally:
            if sqlite:
                await _sqlite_busy_timeout(conn, SQLITE_BUSY_TIMEOUT_MS)
                await _sqlite_foreign_keys(conn, on=True)
    return revisions[0], revisions[-1]


async def _sqlite_busy_timeout(conn: AsyncConnection, milliseconds: int) -> None:
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.execute(f"PRAGMA busy_timeout={int(milliseconds)}")


async def _sqlite_foreign_keys(conn: AsyncConnection, *, on: bool) -> None:
    """The pragma is ignored inside a transaction, so it goes to the driver directly, outside
    the one SQLAlchemy would begin."""
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


async def upgrade(engine: AsyncEngine, target: str = "head") -> tuple[str | None, str | None]:
    """Migrates to ``target``; returns the revisions before and after (None: empty)."""
    return await _migrate(engine, lambda cfg: command.upgrade(cfg, target))


async def downgrade(engine: AsyncEngine, target: str) -> tuple[str | None, str | None]:
    return await _migrate(engine, lambda cfg: command.downgrade(cfg, target))


def known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this version's migrations."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown or malformed revision
        return False
