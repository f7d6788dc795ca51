"""The bot's own facts (``bot_state``): written as an upsert, so processes that start together
(shards of one bot) may each write the same key at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import BotState


async def put(session: AsyncSession, key: str, value: str, now: datetime) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(BotState).values(key=key, value=value, updated_at=now)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["key"], set_={"value": value, "updated_at": now}
        )
    )
