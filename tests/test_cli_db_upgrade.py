"""Two `launchbot db upgrade` processes at once on an empty database take turns: the first
migrates it, the second finds it at head. PostgreSQL serialises them with an advisory lock,
SQLite with its write lock (and a long busy timeout for migrations)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.models import Base
from bot.db.sqlite_file import sqlite_path

LAUNCHBOT = Path(sys.executable).with_name("launchbot")


async def _upgrade(url: str, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {"PATH": "/usr/bin:/bin", "LAUNCHBOT_DATABASE_URL": url}
    return await asyncio.create_subprocess_exec(
        str(LAUNCHBOT), "db", "upgrade", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _until(condition: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


def _diff(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def _hold_postgres_lock(url: str) -> asyncpg.Connection:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    await conn.execute("SELECT pg_advisory_lock($1)", migrate.MIGRATION_LOCK)
    return conn


async def test_two_upgrades_at_once_take_turns_and_migrate_once(
    scratch_db_url: str, tmp_path: Path
) -> None:
    """The test holds the migrations' lock while both processes start, so that they really
    meet: both wait for it, then one migrates and the other finds the schema at head."""
    path = sqlite_path(scratch_db_url)
    holder: asyncpg.Connection | sqlite3.Connection
    if path is None:
        holder = await _hold_postgres_lock(scratch_db_url)
    else:  # an empty WAL database, its write lock held
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA journal_mode=WAL")
        holder.execute("BEGIN IMMEDIATE")
    processes = [await _upgrade(scratch_db_url, tmp_path) for _ in range(2)]
    try:
        if isinstance(holder, asyncpg.Connection):

            async def both_wait() -> bool:
                waiting = await holder.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = "
                    "current_database())"
                )
                return bool(waiting == 2)

            await _until(both_wait)
            await holder.execute("SELECT pg_advisory_unlock($1)", migrate.MIGRATION_LOCK)
            await holder.close()
        else:

            async def both_open() -> bool:
                assert path is not None
                return all(_has_open(p.pid, path) for p in processes)

            await _until(both_open)
            holder.execute("ROLLBACK")
            holder.close()
        results = [await asyncio.wait_for(p.communicate(), 120) for p in processes]
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
    head = migrate.head_revision()
    assert [p.returncode for p in processes] == [0, 0], [r[1] for r in results]
    outputs = sorted(out.decode().strip() for out, _ in results)
    assert outputs == [
        f"database is up to date (revision {head})",
        f"database upgraded from empty to {head}",
    ]
    engine = create_engine(scratch_db_url)
    try:
        assert await migrate.current_revision(engine) == head
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
            assert [v[0] for v in versions] == [head]
    finally:
        await engine.dispose()


def _has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has the file open (Linux's /proc)."""
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                    return True
            except OSError:
                continue
    except FileNotFoundError:
        return False
    return False
