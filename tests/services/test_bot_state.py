"""The bot's own facts: processes that start together (shards of one bot) may write the same key
at once, and every write lands."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_session_factory
from bot.services.bot_state import BotStateService
from tests.support.clock import FakeClock


async def test_many_writers_of_one_key_at_once_all_succeed(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    writers = [BotStateService(sessions, FakeClock()) for _ in range(8)]
    assert await writers[0].get("commands_hash") is None
    await asyncio.gather(*(w.set("commands_hash", f"hash {n}") for n, w in enumerate(writers)))
    assert await writers[0].get("commands_hash") in {f"hash {n}" for n in range(8)}
    await writers[3].set("commands_hash", "latest")
    assert await writers[5].get("commands_hash") == "latest"
