"""Facts about the bot itself that must survive restarts (not about any server)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import bot_state_rows
from bot.db.engine import begin_write, reading
from bot.db.models import BotState
from bot.domain.clock import Clock


class BotStateService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def get(self, key: str) -> str | None:
        async with reading(self._sessions) as session:
            row = await session.get(BotState, key)
            return None if row is None else row.value

    async def set(self, key: str, value: str) -> None:
        """One statement: processes starting together may set the same key at once."""
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            await bot_state_rows.put(session, key, value, self._clock())
