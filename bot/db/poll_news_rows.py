"""What a poll's card shows of its launch's claims, and which cards a change of claims touches.
Scoped to the server; both go through an index on ``(guild_id, launch_id, ...)``."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.launch_rows import claim_record
from bot.db.models import Claim, Poll
from bot.domain.records import ClaimRecord
from bot.domain.vocabulary import PollState

CLAIMS, POLLS = Claim.__table__.c, Poll.__table__.c
NEWS_SHOWN = 3


@cache
def _standing() -> Select[Any]:
    return (
        select(Claim.__table__)
        .where(
            CLAIMS.guild_id == bindparam("g"),
            CLAIMS.launch_id == bindparam("l"),
            CLAIMS.superseded_by_id.is_(None),
        )
        .order_by(CLAIMS.seen_at.desc(), CLAIMS.id.desc())
        .limit(NEWS_SHOWN)
    )


async def standing_claims(
    session: AsyncSession, guild_id: int, launch_id: int | None
) -> tuple[ClaimRecord, ...]:
    """The launch's newest claims that no later claim on the same subject replaced."""
    if launch_id is None:
        return ()
    rows = await session.execute(_standing(), {"g": guild_id, "l": launch_id})
    return tuple(claim_record(r) for r in rows)


async def open_polls_of(session: AsyncSession, guild_id: int, launch_id: int) -> tuple[int, ...]:
    """The launch's open polls (their cards show its claims)."""
    found = await session.scalars(
        select(POLLS.id).where(
            POLLS.guild_id == guild_id,
            POLLS.launch_id == launch_id,
            POLLS.state == PollState.OPEN,
        )
    )
    return tuple(int(p) for p in found)
