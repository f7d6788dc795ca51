"""Polls and votes in the database. Every statement is scoped to its server; reads select plain
columns with statements built once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Device, Launch, Poll, PollVote
from bot.domain.polls import Ballot, PollFacts, PollRecord, Tally, VoteKind, tally_of
from bot.domain.records import launch_title
from bot.domain.vocabulary import PollState

POLLS, VOTES = Poll.__table__.c, PollVote.__table__.c


@cache
def _listing() -> Select[Any]:
    """A poll with its launch's device and region (for the launch's title), if it still has one."""
    return (
        select(Poll.__table__, Device.name.label("device_name"), Launch.region.label("region"))
        .outerjoin(Launch, and_(Launch.id == POLLS.launch_id, Launch.guild_id == POLLS.guild_id))
        .outerjoin(Device, Device.id == Launch.device_id)
        .where(POLLS.guild_id == bindparam("g"))
    )


@cache
def _one() -> Select[Any]:
    return _listing().where(POLLS.id == bindparam("id"))


def poll_record(row: Row[Any]) -> PollRecord:
    title = None if row.device_name is None else launch_title(row.device_name, row.region)
    return PollRecord(
        id=row.id, guild_id=row.guild_id, launch_id=row.launch_id, launch_title=title,
        question=row.question, answers=tuple(row.answers), multiple=row.multiple,
        confidence=row.confidence, hidden=row.hidden, closes_at=row.closes_at,
        closes_with_launch=row.closes_with_launch, state=PollState(row.state),
        channel_id=row.channel_id, message_id=row.message_id, created_by=row.created_by,
        created_at=row.created_at, closed_at=row.closed_at, outcome=row.outcome,
        evidence_url=row.evidence_url, native=row.native,
    )  # fmt: skip


async def insert_poll(session: AsyncSession, values: dict[str, Any]) -> int:
    return int((await session.execute(insert(Poll).returning(POLLS.id), [values])).scalar_one())


async def poll(session: AsyncSession, guild_id: int, poll_id: int) -> PollRecord | None:
    row = (await session.execute(_one(), {"g": guild_id, "id": poll_id})).first()
    return None if row is None else poll_record(row)


async def polls_of_launch(session: AsyncSession, guild_id: int, launch_id: int) -> list[PollRecord]:
    query = _listing().where(POLLS.launch_id == launch_id).order_by(POLLS.id)
    return [poll_record(r) for r in await session.execute(query, {"g": guild_id})]


async def open_polls(
    session: AsyncSession, guild_id: int, text: str, limit: int
) -> list[PollRecord]:
    """The server's open polls whose question contains ``text``, newest first."""
    query = _listing().where(POLLS.state == PollState.OPEN).order_by(POLLS.id.desc())
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(POLLS.question).like(pattern.lower(), escape="\\"))
    return [poll_record(r) for r in await session.execute(query.limit(limit), {"g": guild_id})]


@cache
def _facts() -> Select[Any]:
    return select(
        POLLS.answers, POLLS.multiple, POLLS.confidence, POLLS.hidden, POLLS.native
    ).where(POLLS.guild_id == bindparam("g"), POLLS.id == bindparam("id"))


async def facts(session: AsyncSession, guild_id: int, poll_id: int) -> PollFacts | None:
    row = (await session.execute(_facts(), {"g": guild_id, "id": poll_id})).first()
    if row is None:
        return None
    return PollFacts(
        poll_id, guild_id, tuple(row.answers), row.multiple, row.confidence, row.hidden, row.native
    )


async def is_open(session: AsyncSession, guild_id: int, poll_id: int) -> bool:
    state = await session.scalar(
        select(POLLS.state).where(POLLS.guild_id == guild_id, POLLS.id == poll_id)
    )
    return state is not None and PollState(state) is PollState.OPEN


async def set_message(
    session: AsyncSession, guild_id: int, poll_id: int, channel_id: int, message_id: int
) -> None:
    await session.execute(
        update(Poll)
        .where(POLLS.guild_id == guild_id, POLLS.id == poll_id)
        .values(channel_id=channel_id, message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def close(session: AsyncSession, guild_id: int, poll_id: int, now: datetime) -> bool:
    """Closes the poll if it is open; whether it did."""
    closed = await session.execute(
        update(Poll)
        .where(POLLS.guild_id == guild_id, POLLS.id == poll_id, POLLS.state == PollState.OPEN)
        .values(state=PollState.CLOSED, closed_at=now)
        .returning(POLLS.id)
        .execution_options(synchronize_session=False)
    )
    return closed.first() is not None


async def move_launch_closes(
    session: AsyncSession, guild_id: int, launch_id: int, when: datetime
) -> list[int]:
    """Moves the close of the launch's open polls that close with it; the polls moved."""
    moved = await session.execute(
        update(Poll)
        .where(
            POLLS.guild_id == guild_id,
            POLLS.launch_id == launch_id,
            POLLS.closes_with_launch.is_(True),
            POLLS.state == PollState.OPEN,
            POLLS.closes_at != when,
        )
        .values(closes_at=when)
        .returning(POLLS.id)
        .execution_options(synchronize_session=False)
    )
    return [int(poll_id) for (poll_id,) in moved]


# votes -------------------------------------------------------------------------------------


async def open_among(
    session: AsyncSession, polls: set[tuple[int, int]], *, lock: bool
) -> set[tuple[int, int]]:
    """Which of the ``(guild, poll)`` pairs are open polls. ``lock`` (PostgreSQL) holds them
    open until the transaction ends: a close waits for the votes, and votes after it see it.
    (Two plain IN lists, not a row-value IN: SQLite 3.40 answers ``(guild_id, id) IN (VALUES
    ...)`` wrongly through the index on guild, state and id.)"""
    query = select(POLLS.guild_id, POLLS.id).where(
        POLLS.guild_id.in_(sorted({g for g, _ in polls})),
        POLLS.id.in_(sorted({p for _, p in polls})),
        POLLS.state == PollState.OPEN,
    )
    if lock:
        query = query.order_by(POLLS.id).with_for_update(read=True)
    return {(g, p) for g, p in await session.execute(query)} & polls


async def upsert_votes(
    session: AsyncSession, ballots: Sequence[Ballot], now: datetime
) -> dict[tuple[int, int], tuple[int, int | None]]:
    """Records ballots of one kind (one per member and poll) in one statement; returns each
    member's choices and confidence as they now stand, by ``(poll, user)``."""
    if not ballots:
        return {}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PollVote).values(
        [
            {
                "guild_id": b.guild_id, "poll_id": b.poll_id, "user_id": b.user_id,
                "choices": b.mask, "confidence": b.confidence, "cast_at": now, "updated_at": now,
            }
            for b in ballots
        ]
    )  # fmt: skip
    new = statement.excluded
    if ballots[0].kind is VoteKind.TOGGLE:  # XOR, in SQL both backends read: (a | b) - (a & b)
        choices: Any = VOTES.choices.op("|")(new.choices) - VOTES.choices.op("&")(new.choices)
    else:
        choices = new.choices
    upsert = statement.on_conflict_do_update(
        index_elements=["poll_id", "user_id"],
        set_={"choices": choices, "confidence": new.confidence, "updated_at": new.updated_at},
    ).returning(VOTES.poll_id, VOTES.user_id, VOTES.choices, VOTES.confidence)
    rows = await session.execute(upsert.execution_options(synchronize_session=False))
    return {(p, u): (c, conf) for p, u, c, conf in rows}


@cache
def _vote() -> Select[Any]:
    return select(VOTES.choices, VOTES.confidence).where(
        VOTES.guild_id == bindparam("g"),
        VOTES.poll_id == bindparam("p"),
        VOTES.user_id == bindparam("u"),
    )


async def vote_of(
    session: AsyncSession, guild_id: int, poll_id: int, user_id: int
) -> tuple[int, int | None] | None:
    row = (await session.execute(_vote(), {"g": guild_id, "p": poll_id, "u": user_id})).first()
    return None if row is None else (int(row.choices), row.confidence)


@cache
def _tally() -> Select[Any]:
    return (
        select(VOTES.choices, func.count())
        .where(VOTES.guild_id == bindparam("g"), VOTES.poll_id == bindparam("p"))
        .group_by(VOTES.choices)
    )


async def tally(session: AsyncSession, guild_id: int, poll_id: int, answer_count: int) -> Tally:
    """One pass over the poll's votes (its primary key's range), grouped by the set chosen."""
    rows = await session.execute(_tally(), {"g": guild_id, "p": poll_id})
    return tally_of(answer_count, ((int(m), int(n)) for m, n in rows))
