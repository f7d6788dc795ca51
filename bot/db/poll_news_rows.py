"""What a poll's card shows of its launch's claims, and which cards a change of claims touches.
Scoped to the server; both go through an index on ``(guild_id, launch_id, ...)``."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, and_, bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.launch_rows import claim_record
from bot.db.models import Claim, Device, Launch, Poll
from bot.db.poll_rows import poll_record
from bot.domain.polls import PollRecord
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


@cache
def _poll_with_news() -> Select[Any]:
    """The poll (with its launch's title) beside its launch's standing claims: one row per
    claim, or one row with none."""
    launch_of_poll = (
        select(POLLS.launch_id)
        .where(POLLS.guild_id == bindparam("g"), POLLS.id == bindparam("id"))
        .scalar_subquery()
    )
    news = (
        select(Claim.__table__)
        .where(
            CLAIMS.guild_id == bindparam("g"),
            CLAIMS.launch_id == launch_of_poll,
            CLAIMS.superseded_by_id.is_(None),
        )
        .order_by(CLAIMS.seen_at.desc(), CLAIMS.id.desc())
        .limit(NEWS_SHOWN)
        .subquery("news")
    )
    return (
        select(
            Poll.__table__,
            Device.name.label("device_name"),
            Launch.region.label("region"),
            *(c.label(f"news_{c.name}") for c in news.c),
        )
        .outerjoin(Launch, and_(Launch.id == POLLS.launch_id, Launch.guild_id == POLLS.guild_id))
        .outerjoin(Device, Device.id == Launch.device_id)
        .outerjoin(news, true())
        .where(POLLS.guild_id == bindparam("g"), POLLS.id == bindparam("id"))
        .order_by(news.c.seen_at.desc(), news.c.id.desc())
    )


async def poll_with_news(
    session: AsyncSession, guild_id: int, poll_id: int
) -> tuple[PollRecord, tuple[ClaimRecord, ...]] | None:
    """The poll and its launch's standing claims, newest first, in one statement."""
    rows = (await session.execute(_poll_with_news(), {"g": guild_id, "id": poll_id})).all()
    if not rows:
        return None
    news = []
    for row in rows:
        fields = {k[5:]: v for k, v in row._mapping.items() if k.startswith("news_")}
        if fields["id"] is not None:
            news.append(claim_record(SimpleNamespace(**fields)))  # type: ignore[arg-type]
    return poll_record(rows[0]), tuple(news)
