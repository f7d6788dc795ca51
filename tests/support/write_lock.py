"""Another connection holding the database's locks, so the bot's writes wait as they do behind a
busy writer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
import asyncpg
from sqlalchemy.engine import make_url


@asynccontextmanager
async def database_locked(db_url: str) -> AsyncIterator[None]:
    """SQLite: the write lock (the bot waits up to its busy timeout). PostgreSQL: the settings
    and launches tables, which every calendar and settings write reads first."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        async with aiosqlite.connect(str(url.database), isolation_level=None) as sqlite:
            await sqlite.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                await sqlite.execute("ROLLBACK")
        return
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    postgres = await asyncpg.connect(dsn)
    try:
        async with postgres.transaction():
            await postgres.execute("LOCK TABLE guild_settings, launches IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await postgres.close()
