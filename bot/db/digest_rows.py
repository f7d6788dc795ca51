"""Weekly digests in the database: planning a server's next digest as a post row, finding the
servers whose next digest is not planned, and the launches a digest shows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.launch_queries import FINISHED, LAUNCHES, listing
from bot.db.models import GuildSettings, Post
from bot.db.shard_filter import owned
from bot.domain.dates import LONGEST_WINDOW
from bot.domain.records import PostPlan
from bot.domain.shards import ShardSpan
from bot.domain.vocabulary import PostState, Precision

SUBJECT = "digest"
DATED = (Precision.EXACT, Precision.DAY)
_LONGEST_DAY = timedelta(days=2)
"""A window dated to the minute or the day is never longer (a day plus a zone's change)."""
POSTS = Post.__table__
CHUNK = 1000
"""Rows per INSERT: 14 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535."""


async def cancel_other(
    session: AsyncSession, guild_id: int, keep: str | None, now: datetime
) -> None:
    """Cancels the server's pending digests but the one keyed ``keep``."""
    cancel = update(Post).where(
        Post.guild_id == guild_id, Post.subject == SUBJECT, Post.state == PostState.PENDING
    )
    if keep is not None:
        cancel = cancel.where(Post.key != keep)
    await session.execute(
        cancel.values(
            state=PostState.CANCELLED, reason="re-planned", updated_at=now
        ).execution_options(synchronize_session=False)
    )


async def plan(
    session: AsyncSession, posts: Sequence[tuple[int, PostPlan]], now: datetime
) -> set[int]:
    """Plans each server's digest (one statement per thousand servers): a new one is inserted, a
    cancelled one revived and a pending one moved to its new time; one already sent, failed or
    skipped is left as it is. Returns the servers whose digest is now pending."""
    if not posts:
        return set()
    rows = [
        {
            "guild_id": guild_id,
            "launch_id": None,
            "subject": SUBJECT,
            "key": p.key,
            "target": p.target,
            "kind": p.kind,
            "due_at": p.due_at,
            "expires_at": p.expires_at,
            "payload": None,
            "state": PostState.PENDING,
            "attempts": 0,
            "late": False,
            "created_at": now,
            "updated_at": now,
        }
        for guild_id, p in posts
    ]
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    planned: set[int] = set()
    for first in range(0, len(rows), CHUNK):
        # one multi-row INSERT per chunk: an executemany with RETURNING goes row by row
        statement = dialect.insert(Post).values(rows[first : first + CHUNK])
        upsert = statement.on_conflict_do_update(
            index_elements=["guild_id", "subject", "key", "target"],
            set_={
                "state": PostState.PENDING,
                "reason": None,
                "due_at": statement.excluded.due_at,
                "expires_at": statement.excluded.expires_at,
                "updated_at": now,
            },
            where=POSTS.c.state.in_([PostState.PENDING, PostState.CANCELLED]),
        ).returning(POSTS.c.guild_id)
        planned.update((await session.execute(upsert)).scalars())
    return planned


async def unplanned_servers(
    session: AsyncSession, now: datetime, shards: ShardSpan | None = None
) -> list[tuple[int, int, str, str]]:
    """``(guild_id, weekday, time, zone)`` of every server (of ``shards``; None: any) with
    digests on and an announce channel but no digest ahead (pending or being sent, its grace
    window not over): one statement, an index look-up per server."""
    mine = owned(GuildSettings.guild_id, shards)
    planned = exists().where(
        Post.guild_id == GuildSettings.guild_id,
        Post.subject == SUBJECT,
        Post.state.in_([PostState.PENDING, PostState.SENDING]),
        Post.expires_at > now,
    )
    rows = await session.execute(
        select(
            GuildSettings.guild_id,
            GuildSettings.digest_weekday,
            GuildSettings.digest_time,
            GuildSettings.timezone,
        ).where(
            GuildSettings.digest_weekday.is_not(None),
            GuildSettings.announce_channel_id.is_not(None),
            ~planned,
            *([] if mine is None else [mine]),
        )
    )
    return [(g, w, t, z) for g, w, t, z in rows if w is not None]


async def week_rows(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime, cap: int
) -> tuple[list[Row[Any]], int]:
    """Up to ``cap`` launches dated to the minute or the day within ``[start, end)`` (a day
    that has not ended at ``start`` counts), in date order, and how many there are in all."""
    query = _ahead(start, _LONGEST_DAY).where(
        LAUNCHES.precision.in_(DATED), LAUNCHES.window_start < end
    )
    return await _capped(session, guild_id, query, cap)


async def later_rows(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime, cap: int
) -> tuple[list[Row[Any]], int]:
    """Up to ``cap`` launches after the week ``[start, end)``: dated ones from ``end`` on, and
    vaguer windows not over at ``start``; in date order, and how many there are in all."""
    query = _ahead(start, LONGEST_WINDOW).where(
        or_(
            LAUNCHES.precision.not_in(DATED),
            and_(LAUNCHES.precision.in_(DATED), LAUNCHES.window_start >= end),
        )
    )
    return await _capped(session, guild_id, query, cap)


def _ahead(start: datetime, longest: timedelta) -> Any:
    return (
        listing()
        .add_columns(func.count().over().label("total"))
        .where(
            LAUNCHES.status.not_in(FINISHED),
            LAUNCHES.window_start > start - longest,  # lets the index seek
            LAUNCHES.window_end > start,
        )
        .order_by(LAUNCHES.window_start, LAUNCHES.window_end, LAUNCHES.id)
    )


async def _capped(
    session: AsyncSession, guild_id: int, query: Any, cap: int
) -> tuple[list[Row[Any]], int]:
    rows = list((await session.execute(query.limit(cap), {"g": guild_id})).all())
    return rows, int(rows[0].total) if rows else 0
