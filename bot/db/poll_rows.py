"""Polls and votes in the database. Every statement is scoped to its server; reads select plain
columns with statements built once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Row,
    Select,
    String,
    TextClause,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from bot.db.models import Device, Launch, Poll, PollVote
from bot.db.types import UTCDateTime
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
        evidence_url=row.evidence_url, native=row.native, resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
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


async def resolved_polls(session: AsyncSession, guild_id: int) -> list[PollRecord]:
    """The server's resolved polls that still have their launch, oldest first."""
    query = (
        _listing()
        .where(POLLS.state == PollState.RESOLVED, POLLS.launch_id.is_not(None))
        .order_by(POLLS.id)
    )
    return [poll_record(r) for r in await session.execute(query, {"g": guild_id})]


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
    """Moves the close of the launch's open polls that close with it (a native poll's only
    earlier: Discord ends it at its own time); the polls moved."""
    moved = await session.execute(
        update(Poll)
        .where(
            POLLS.guild_id == guild_id,
            POLLS.launch_id == launch_id,
            POLLS.closes_with_launch.is_(True),
            POLLS.state == PollState.OPEN,
            POLLS.closes_at != when,
            or_(POLLS.native.is_(False), POLLS.closes_at > when),  # Discord's end cannot move
        )
        .values(closes_at=when)
        .returning(POLLS.id)
        .execution_options(synchronize_session=False)
    )
    return [int(poll_id) for (poll_id,) in moved]


# votes -------------------------------------------------------------------------------------

_VOTE_SOURCE = {
    "sqlite": """(
        SELECT json_extract(value, '$.g') AS guild_id, json_extract(value, '$.p') AS poll_id,
               json_extract(value, '$.u') AS user_id, json_extract(value, '$.c') AS choices,
               json_extract(value, '$.s') AS confidence
        FROM json_each(:ballots)
    ) AS b""",
    "postgresql": """json_to_recordset(CAST(:ballots AS json))
        AS b(g bigint, p integer, u bigint, c integer, s integer)""",
}
_VOTE_COLUMNS = {
    "sqlite": "b.guild_id, b.poll_id, b.user_id, b.choices, b.confidence",
    "postgresql": "b.g, b.p, b.u, b.c, b.s",
}
_VOTE_JOIN = {
    "sqlite": "p.id = b.poll_id AND p.guild_id = b.guild_id",
    "postgresql": "p.id = b.p AND p.guild_id = b.g",
}


@cache
def _record_votes(dialect: str) -> TextClause:
    """Every ballot of a batch in one statement, written only where its poll is open: the check
    and the write are one statement, so no vote lands after a close (PostgreSQL holds the polls
    with FOR SHARE until the statement ends; a close waits, and a vote after it sees it). The
    ballots come as one JSON parameter, so the statement is the same for any number of them.
    ``(a | b) - (a & b)`` is XOR, which SQLite spells no other way.)"""
    lock = " FOR SHARE OF p" if dialect == "postgresql" else ""
    return text(
        f"""
        INSERT INTO poll_votes
            (guild_id, poll_id, user_id, choices, confidence, cast_at, updated_at)
        SELECT {_VOTE_COLUMNS[dialect]}, :now, :now
        FROM {_VOTE_SOURCE[dialect]}
        JOIN polls AS p ON {_VOTE_JOIN[dialect]}
        WHERE p.state = 'open'{lock}
        ON CONFLICT (poll_id, user_id) DO UPDATE SET
            choices = CASE WHEN :toggle
                THEN (poll_votes.choices | excluded.choices)
                    - (poll_votes.choices & excluded.choices)
                ELSE excluded.choices END,
            confidence = excluded.confidence,
            updated_at = excluded.updated_at
        RETURNING poll_id, user_id, choices, confidence
        """
    ).bindparams(
        bindparam("now", type_=UTCDateTime()),
        bindparam("toggle", type_=Boolean()),
        bindparam("ballots", type_=String()),
    )


async def record_votes(
    session: AsyncSession, ballots: Sequence[Ballot], now: datetime
) -> dict[tuple[int, int], tuple[int, int | None]]:
    """Records ballots of one kind (one per member and poll) on the polls still open; returns
    each recorded member's choices and confidence as they now stand, by ``(poll, user)``. A
    ballot missing from the answer was refused: its poll is closed (or not this server's).

    On SQLite the statement goes to aiosqlite's connection as one call (execute and fetch in
    its thread), where SQLAlchemy's adapter takes four trips to the driver's thread (cursor,
    execute, fetch, close): under a burst of clicks each trip waits for the busy event loop."""
    if not ballots:
        return {}
    payload = json.dumps(
        [
            {"g": b.guild_id, "p": b.poll_id, "u": b.user_id, "c": b.mask, "s": b.confidence}
            for b in ballots
        ]
    )
    toggle = ballots[0].kind is VoteKind.TOGGLE
    dialect = session.get_bind().dialect
    rows: Any
    if dialect.name == "sqlite":
        compiled = _compiled_sqlite(dialect)
        values = {"ballots": payload, "now": _sqlite_time(dialect, now), "toggle": int(toggle)}
        driver: Any = (await (await session.connection()).get_raw_connection()).driver_connection
        order = compiled.positiontup or ()
        rows = await driver.execute_fetchall(compiled.string, [values[name] for name in order])
    else:
        statement = _record_votes(dialect.name)
        rows = await session.execute(statement, {"ballots": payload, "now": now, "toggle": toggle})
    return {(int(p), int(u)): (int(c), conf) for p, u, c, conf in rows}


_COMPILED: dict[str, SQLCompiler] = {}


def _compiled_sqlite(dialect: Dialect) -> SQLCompiler:
    if "sqlite" not in _COMPILED:
        _COMPILED["sqlite"] = _record_votes("sqlite").compile(dialect=dialect)
    return _COMPILED["sqlite"]


def _sqlite_time(dialect: Dialect, moment: datetime) -> Any:
    """``moment`` as the column type stores it on SQLite (naive UTC text)."""
    process = UTCDateTime().bind_processor(dialect)
    return process(moment) if process is not None else moment


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
