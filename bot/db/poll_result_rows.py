"""A poll's outcome in the database: locking the poll to resolve it, writing the outcome, who got
it right, and the polls ``/poll resolve`` offers. Every statement is scoped to its server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Device, Launch, Poll, PollVote, Post
from bot.db.poll_rows import poll_record
from bot.domain.poll_resolution import OUTCOME_KIND, PollPick
from bot.domain.poll_rules import poll_subject
from bot.domain.polls import PollRecord
from bot.domain.vocabulary import PollState

POLLS, VOTES = Poll.__table__.c, PollVote.__table__.c


async def locked_poll(session: AsyncSession, guild_id: int, poll_id: int) -> PollRecord | None:
    """The poll, locked until the transaction ends (on SQLite the write transaction holds every
    row already), so resolutions of one poll happen one after another."""
    query = (
        select(Poll.__table__, Device.name.label("device_name"), Launch.region.label("region"))
        .outerjoin(Launch, and_(Launch.id == POLLS.launch_id, Launch.guild_id == POLLS.guild_id))
        .outerjoin(Device, Device.id == Launch.device_id)
        .where(POLLS.guild_id == guild_id, POLLS.id == poll_id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Poll.__table__)
    row = (await session.execute(query)).first()
    return None if row is None else poll_record(row)


async def set_outcome(
    session: AsyncSession,
    guild_id: int,
    poll_id: int,
    *,
    outcome: int,
    evidence: str,
    by: int | None,
    now: datetime,
) -> None:
    """The poll is resolved: closed (when it was open, now), with its outcome and evidence."""
    await session.execute(
        update(Poll)
        .where(POLLS.guild_id == guild_id, POLLS.id == poll_id)
        .values(
            state=PollState.RESOLVED,
            closed_at=func.coalesce(POLLS.closed_at, now),
            outcome=outcome,
            evidence_url=evidence,
            resolved_by=by,
            resolved_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def outcome_posts(session: AsyncSession, guild_id: int, poll_id: int) -> int:
    """How many outcome posts the poll has had planned (each resolution's is the next)."""
    count = await session.scalar(
        select(func.count()).where(
            Post.guild_id == guild_id,
            Post.subject == poll_subject(poll_id),
            Post.kind == OUTCOME_KIND,
        )
    )
    return int(count or 0)


def _right(outcome: int, multiple: bool) -> ColumnElement[bool]:
    if multiple:
        return VOTES.choices == outcome
    return VOTES.choices.op("&")(outcome) != 0


async def hits(
    session: AsyncSession, guild_id: int, poll_id: int, outcome: int, multiple: bool, shown: int
) -> tuple[int, int, tuple[int, ...]]:
    """Members who voted, how many got it right, and the first ``shown`` of those (earliest vote
    first). Two statements over the poll's votes (its primary key's range)."""
    right = _right(outcome, multiple)
    of_poll = (VOTES.guild_id == guild_id, VOTES.poll_id == poll_id, VOTES.choices != 0)
    voters, correct = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(case((right, 1), else_=0)), 0)).where(
                *of_poll
            )
        )
    ).one()
    first = await session.scalars(
        select(VOTES.user_id)
        .where(*of_poll, right)
        .order_by(VOTES.cast_at, VOTES.user_id)
        .limit(shown)
    )
    return int(voters), int(correct), tuple(int(u) for u in first)


_STATE_ORDER = case(
    (POLLS.state == PollState.CLOSED, 0), (POLLS.state == PollState.OPEN, 1), else_=2
)


async def resolvable(session: AsyncSession, guild_id: int, text: str, limit: int) -> list[PollPick]:
    """The server's polls whose question contains ``text``: closed ones first (they wait for
    their outcome), then open ones, then resolved ones; newest first within each."""
    query = select(POLLS.id, POLLS.question, POLLS.state, POLLS.answers, POLLS.outcome).where(
        POLLS.guild_id == guild_id
    )
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(POLLS.question).like(pattern.lower(), escape="\\"))
    rows = await session.execute(query.order_by(_STATE_ORDER, POLLS.id.desc()).limit(limit))
    return [
        PollPick(int(i), q, PollState(s), tuple(a), None if o is None else int(o))
        for i, q, s, a, o in rows
    ]
