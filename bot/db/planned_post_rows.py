"""Scheduled posts planned in the database: a subject's posts made its pending ones (others
cancelled, new ones inserted, cancelled ones revived), closes moved with their launch, a launch's
posts cancelled before they are planned again, and the launches that can still have posts."""

from __future__ import annotations

import typing
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Launch, Post
from bot.db.shard_filter import owned
from bot.domain.change_notice import NOTICE_KIND
from bot.domain.dates import LONGEST_WINDOW, DateWindow
from bot.domain.post_plan import FINISHED
from bot.domain.records import PostPlan
from bot.domain.shards import ShardSpan
from bot.domain.vocabulary import LaunchStatus, PostState, Precision

POSTS = Post.__table__
_POSTS_TABLE = typing.cast(Table, POSTS)


async def plan(
    session: AsyncSession,
    guild_id: int,
    subject: str,
    posts: Sequence[PostPlan],
    now: datetime,
    moved: tuple[Sequence[str], PostPlan] | None = None,
) -> None:
    """Makes ``posts`` the subject's pending posts: others still pending are cancelled, new ones
    inserted, and ones cancelled earlier revived. Two statements; sent posts are never touched,
    nor change notices (each tells of a change that happened, whatever comes after it).
    ``moved``: other subjects (polls closing with a launch) whose one post of that kind becomes
    the post given, in the same two statements."""
    keys = [p.key + "|" + p.target for p in posts]
    own = and_(Post.subject == subject, Post.kind != NOTICE_KIND)
    if keys:
        own = and_(own, (Post.key + "|" + Post.target).not_in(keys))
    if moved is not None:
        subjects, post = moved
        others = and_(
            Post.subject.in_(list(subjects)), Post.kind == post.kind, Post.key != post.key
        )
        own = or_(own, others)
    cancel = (
        update(Post)
        .where(Post.guild_id == guild_id, Post.state == PostState.PENDING, own)
        .values(state=PostState.CANCELLED, reason="re-planned", updated_at=now)
    )
    await session.execute(cancel.execution_options(synchronize_session=False))
    extra = [] if moved is None else [(other, moved[1]) for other in moved[0]]
    await _insert(session, guild_id, [(subject, p) for p in posts] + extra, now)


async def insert(
    session: AsyncSession, guild_id: int, subject: str, posts: Sequence[PostPlan], now: datetime
) -> None:
    """Adds ``posts`` (one statement); a post planned before stays as it is, unless it had been
    cancelled, when it is pending again."""
    await _insert(session, guild_id, [(subject, p) for p in posts], now)


async def insert_all(
    session: AsyncSession, guild_id: int, posts: Sequence[PostPlan], now: datetime
) -> None:
    """``insert`` for the posts of many launches (each under its launch's subject)."""
    await _insert(session, guild_id, [(f"launch:{p.launch_id}", p) for p in posts], now)


async def _insert(
    session: AsyncSession, guild_id: int, posts: Sequence[tuple[str, PostPlan]], now: datetime
) -> None:
    if not posts:
        return
    rows = [
        {
            "guild_id": guild_id,
            "launch_id": p.launch_id,
            "subject": subject,
            "key": p.key,
            "target": p.target,
            "kind": p.kind,
            "due_at": p.due_at,
            "expires_at": p.expires_at,
            "payload": p.payload,
            "state": PostState.PENDING,
            "attempts": 0,
            "late": False,
            "created_at": now,
            "updated_at": now,
        }
        for subject, p in posts
    ]
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    # the table, not the ORM entity: plain executemany, not the ORM's bulk insert row by row
    revive = dialect.insert(POSTS).on_conflict_do_update(
        index_elements=["guild_id", "subject", "key", "target"],
        set_={"state": PostState.PENDING, "reason": None, "updated_at": now},
        where=POSTS.c.state == PostState.CANCELLED,
    )
    await session.execute(revive, rows)


async def move_subjects(
    session: AsyncSession, guild_id: int, subjects: Sequence[str], post: PostPlan, now: datetime
) -> None:
    """Makes ``post`` the one pending post of its kind for each subject (a poll's close moved
    with its launch): two statements, however many subjects."""
    if not subjects:
        return
    await session.execute(
        update(Post)
        .where(
            Post.guild_id == guild_id,
            Post.subject.in_(list(subjects)),
            Post.kind == post.kind,
            Post.state == PostState.PENDING,
            Post.key != post.key,
        )
        .values(state=PostState.CANCELLED, reason="re-planned", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await _insert(session, guild_id, [(subject, post) for subject in subjects], now)


async def cancel_launch_posts(session: AsyncSession, guild_id: int, now: datetime) -> None:
    """Cancels every pending launch post of a server but its change notices (before re-planning
    them all)."""
    await session.execute(
        update(Post)
        .where(
            Post.guild_id == guild_id,
            Post.state == PostState.PENDING,
            Post.launch_id.is_not(None),
            Post.kind != NOTICE_KIND,
            Post.subject.startswith("launch:"),
        )
        .values(state=PostState.CANCELLED, reason="re-planned", updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def cancel_posts_of_launches(
    session: AsyncSession, guild_id: int, launch_ids: Collection[int], now: datetime
) -> None:
    """Cancels the pending posts of these launches but their change notices (before they are
    planned again): one executemany, a seek per launch."""
    if not launch_ids:
        return
    cancel = (
        update(_POSTS_TABLE)
        .where(
            POSTS.c.launch_id == bindparam("l"),
            POSTS.c.guild_id == guild_id,
            # written into the statement: a bound value against posts.state (which the partial
            # indexes are conditioned on) has SQLite prepare the statement again for every row
            POSTS.c.state == literal_column(f"'{PostState.PENDING.value}'"),
            POSTS.c.kind != NOTICE_KIND,
        )
        .values(state=PostState.CANCELLED, reason="re-planned", updated_at=now)
    )
    await session.execute(cancel, [{"l": launch_id} for launch_id in launch_ids])


async def plannable_launches(
    session: AsyncSession, guild_id: int, now: datetime
) -> list[tuple[int, DateWindow, LaunchStatus]]:
    """The server's launches that can still have posts: dated to the day or minute, not
    finished, and not long over."""
    rows = await session.execute(
        select(
            Launch.id,
            Launch.window_start,
            Launch.window_end,
            Launch.precision,
            Launch.timezone,
            Launch.status,
        ).where(
            Launch.guild_id == guild_id,
            Launch.window_start > now - LONGEST_WINDOW,
            Launch.window_end > now - timedelta(days=1),
            Launch.precision.in_([Precision.EXACT, Precision.DAY]),
            Launch.status.not_in(list(FINISHED)),
        )
    )
    return [
        (launch_id, DateWindow(start, end, precision, zone), status)
        for launch_id, start, end, precision, zone, status in rows
        if start is not None and end is not None and precision is not None
    ]


async def cancel_subject(session: AsyncSession, guild_id: int, subject: str, now: datetime) -> None:
    await plan(session, guild_id, subject, [], now)


async def servers_with_unplanned_launches(
    session: AsyncSession, now: datetime, shards: ShardSpan | None = None
) -> list[int]:
    """Servers (of ``shards``; None: any) with a launch that can still have posts but has no
    post row at all."""
    mine = owned(Launch.guild_id, shards)
    rows = await session.scalars(
        select(Launch.guild_id)
        .where(
            *([] if mine is None else [mine]),
            Launch.window_start > now - LONGEST_WINDOW,
            Launch.window_end > now,
            Launch.precision.in_([Precision.EXACT, Precision.DAY]),
            Launch.status.not_in(list(FINISHED)),
            ~select(Post.id).where(Post.launch_id == Launch.id).exists(),
        )
        .distinct()
    )
    return list(rows)
