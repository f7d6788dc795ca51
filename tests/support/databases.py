"""Test databases: a migrated SQLite template copied per test, and one PostgreSQL database per run.

PostgreSQL is used when LAUNCHBOT_TEST_POSTGRES_URL points at a server (any database on it; the
suite creates and drops its own database beside it, so it never touches the data in it).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from bot.db import migrate
from bot.db.engine import create_engine

POSTGRES_ENV = "LAUNCHBOT_TEST_POSTGRES_URL"
DB_PREFIX = "launchbot_t_"


def postgres_server_url() -> URL | None:
    raw = os.environ.get(POSTGRES_ENV, "").strip()
    if not raw:
        return None
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    return url


def _dsn(url: URL, database: str) -> str:
    return url.set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def _admin(url: URL) -> asyncpg.Connection:
    return await asyncpg.connect(_dsn(url, url.database or "postgres"))


async def create_postgres_database(server: URL, label: str = "") -> URL:
    """A new, empty database named after this process, so parallel runs never collide."""
    name = f"{DB_PREFIX}{os.getpid()}_{label}{secrets.token_hex(3)}"
    conn = await _admin(server)
    try:
        await _drop_orphans(conn)
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server.set(database=name)


async def drop_postgres_database(server: URL, database: URL) -> None:
    conn = await _admin(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def _drop_orphans(conn: asyncpg.Connection) -> None:
    """Drops databases left by earlier runs whose process is gone (a killed run, say)."""
    rows = await conn.fetch(
        "SELECT datname FROM pg_database WHERE datname LIKE $1", DB_PREFIX + "%"
    )
    for row in rows:
        match = re.match(rf"{DB_PREFIX}(\d+)_", row["datname"])
        if match and not _alive(int(match.group(1))):
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def migrate_to_head(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def truncate_all(url: str) -> None:
    conn = await asyncpg.connect(_dsn(make_url(url), make_url(url).database or ""))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
        if tables:
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


def sqlite_template(directory: Path) -> Path:
    template = directory / "template.db"
    asyncio.run(migrate_to_head(sqlite_url(template)))
    return template


def sqlite_copy(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return sqlite_url(target)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"
