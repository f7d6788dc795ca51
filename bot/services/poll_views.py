"""A poll as its message shows it, read inside any session: its tally, and its launch's standing
claims (so a card shows the latest news about the launch whichever path renders it)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import poll_news_rows, poll_rows
from bot.domain.errors import PollNotFound
from bot.domain.polls import PollRecord, PollView


async def poll_view(session: AsyncSession, record: PollRecord) -> PollView:
    """Two statements: the tally, and the claims (none when the launch is gone)."""
    tally = await poll_rows.tally(session, record.guild_id, record.id, len(record.answers))
    news = await poll_news_rows.standing_claims(session, record.guild_id, record.launch_id)
    return PollView(record, tally, news)


async def read_view(session: AsyncSession, guild_id: int, poll_id: int) -> PollView:
    """The poll as its message shows it, by id (``PollNotFound`` for none in this server): two
    statements, the poll with its launch's claims, and the tally."""
    found = await poll_news_rows.poll_with_news(session, guild_id, poll_id)
    if found is None:
        raise PollNotFound(f"There is no poll #{poll_id} in this server.")
    record, news = found
    tally = await poll_rows.tally(session, guild_id, poll_id, len(record.answers))
    return PollView(record, tally, news)
