"""Members' votes on a server's resolved polls, as the scoring wants them: one statement joining
the votes to the resolved polls (through the index on ``(guild_id, state, id)``, then each poll's
votes by primary key), and a member's latest ones with what they were about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Poll, PollVote
from bot.domain.vocabulary import PollState

POLLS, VOTES = Poll.__table__.c, PollVote.__table__.c
ScoredVote = tuple[int, int, int, int, int | None, bool, int]
"""user, poll, how many answers, choices, confidence, several answers, outcome."""


def _resolved_votes() -> Select[Any]:
    return (
        select(
            VOTES.user_id,
            VOTES.poll_id,
            func.json_array_length(POLLS.answers),
            VOTES.choices,
            VOTES.confidence,
            POLLS.multiple,
            POLLS.outcome,
        )
        .join(Poll.__table__, POLLS.id == VOTES.poll_id)
        .where(
            POLLS.state == PollState.RESOLVED,
            POLLS.outcome.is_not(None),
            VOTES.choices != 0,
        )
    )


async def resolved_votes(session: AsyncSession, guild_id: int) -> Sequence[ScoredVote]:
    """Every vote (with an answer) on the server's resolved polls."""
    query = _resolved_votes().where(POLLS.guild_id == guild_id, VOTES.guild_id == guild_id)
    rows = await session.execute(query)
    return [(int(u), int(p), int(n), int(c), s, bool(m), int(o)) for u, p, n, c, s, m, o in rows]


async def latest_of(
    session: AsyncSession, guild_id: int, user_id: int, limit: int
) -> Sequence[tuple[int, int, int, int | None, bool, int, str, tuple[str, ...], datetime]]:
    """The member's ``limit`` latest resolved predictions: poll, answers count, choices,
    confidence, several answers, outcome, question, answers, resolved at."""
    rows = await session.execute(
        select(
            VOTES.poll_id,
            VOTES.choices,
            VOTES.confidence,
            POLLS.multiple,
            POLLS.outcome,
            POLLS.question,
            POLLS.answers,
            POLLS.resolved_at,
        )
        .join(Poll.__table__, POLLS.id == VOTES.poll_id)
        .where(
            POLLS.guild_id == guild_id,
            VOTES.guild_id == guild_id,
            VOTES.user_id == user_id,
            POLLS.state == PollState.RESOLVED,
            POLLS.outcome.is_not(None),
            POLLS.resolved_at.is_not(None),
            VOTES.choices != 0,
        )
        .order_by(POLLS.resolved_at.desc(), POLLS.id.desc())
        .limit(limit)
    )
    return [
        (int(p), len(a), int(c), s, bool(m), int(o), q, tuple(a), at)
        for p, c, s, m, o, q, a, at in rows
    ]
