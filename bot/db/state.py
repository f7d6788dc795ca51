"""Small key/value facts about the bot itself (not about any server)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import BotState


async def get_state(sessions: async_sessionmaker[AsyncSession], key: str) -> str | None:
    async with sessions() as session:
        row = await session.get(BotState, key)
        return None if row is None else row.value


async def set_state(
    sessions: async_sessionmaker[AsyncSession], key: str, value: str, now: datetime
) -> None:
    async with sessions() as session, session.begin():
        row = await session.get(BotState, key)
        if row is None:
            session.add(BotState(key=key, value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now
