"""SQLite's connections are kept once opened: a burst of commands after another opens none."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import event, text

from bot.db.engine import SQLITE_CONNECTIONS, create_engine
from tests.support import databases


async def test_a_second_burst_of_readers_opens_no_connection(tmp_path: Path) -> None:
    engine = create_engine(databases.sqlite_url(tmp_path / "pool.db"))
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _record: opened.append(1))

    async def read() -> None:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
            await asyncio.sleep(0.05)  # all hold a connection at once

    try:
        await asyncio.gather(*(read() for _ in range(SQLITE_CONNECTIONS)))
        first = len(opened)
        await asyncio.gather(*(read() for _ in range(SQLITE_CONNECTIONS)))
    finally:
        await engine.dispose()
    assert first == SQLITE_CONNECTIONS
    assert len(opened) == first, f"the second burst opened {len(opened) - first}"


async def test_an_in_memory_database_still_opens() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
