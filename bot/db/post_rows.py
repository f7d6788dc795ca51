"""Scheduled posts in the database: planning a subject's posts, finding the earliest due one,
claiming due posts under a lease, and recording what happened to each."""

from __future__ import annotations

import typing
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db.models import Device, Launch, Post
from bot.db.one_trip import OneTripRead
from bot.db.shard_filter import owned, owned_by_parameters, shard_values
from bot.db.types import UTCDateTime
from bot.domain.admin_note import CAUSE, NOTE_KIND, NOTE_SUBJECT, TOLD, cause_prefix
from bot.domain.change_notice import NOTICE_KIND
from bot.domain.dates import LONGEST_WINDOW, DateWindow
from bot.domain.post_listing import ListedPost
from bot.domain.post_plan import FINISHED
from bot.domain.records import ClaimedPost, PostPlan, PostProblem, PostSummary, launch_title
from bot.domain.shards import ShardSpan
from bot.domain.vocabulary import LaunchStatus, PostState, Precision

POSTS = Post.__table__
_POSTS_TABLE = typing.cast(Table, POSTS)
_CLAIMED = (
    Post.id, Post.guild_id, Post.launch_id, Post.subject, Post.key, Post.target, Post.kind,
    Post.due_at, Post.expires_at, Post.attempts, Post.payload,
)  # fmt: skip


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
    dialect = sqlite if _dialect(session) == "sqlite" else postgresql
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


LOOK_AHEAD = 200
"""Pending posts a process running some of the shards reads, in due order, to find its own."""


async def earliest_due(
    session: AsyncSession, after: datetime | None = None, shards: ShardSpan | None = None
) -> datetime | None:
    """When the next post of a server of ``shards`` (any server: None) is due, or a lease runs
    out (only later than ``after``, if given), or, for a process running some of the shards
    when none of the next ``LOOK_AHEAD`` posts is its own, when to look again (never later than
    its next post is due); one look at each partial index."""
    mine = None if shards is None or shards.covers_all else partial(owned, shards=shards)
    return _earliest((await session.execute(_earliest_statement(after, mine))).one())


async def look_at_earliest_due(
    engine: AsyncEngine, after: datetime | None = None, shards: ShardSpan | None = None
) -> datetime | None:
    """``earliest_due`` outside any session, in one trip to the driver (``bot.db.one_trip``): the
    dispatcher's look every few seconds, at the posts of every server it owns."""
    sharded = shards is not None and not shards.covers_all
    values: dict[str, Any] = shard_values(shards) if shards is not None and sharded else {}
    if after is not None:
        values["after"] = after
    return _earliest(await _look(after is not None, sharded).row(engine, **values))


@cache
def _look(after: bool, sharded: bool) -> OneTripRead:
    later_than = bindparam("after", type_=UTCDateTime) if after else None
    return OneTripRead(_earliest_statement(later_than, owned_by_parameters if sharded else None))


Mine = Callable[[Any], Any]
"""The condition that a ``guild_id`` column's server is the process's own."""


def _earliest_statement(after: Any, mine: Mine | None = None) -> Select[*tuple[Any, ...]]:
    """Each minimum through its partial index, in due order. A process that runs some of the
    shards reads the next ``LOOK_AHEAD`` pending posts (the others' among them) and takes the
    earliest of its own; when none is its own it learns when the last of them is due, and looks
    again then, so others' posts ahead of its own cost it a bounded read, however many (a million
    read through cost seconds). Posts being sent are few: the filter reads past others' alone."""
    waiting = [Post.state == PostState.PENDING]
    leased = [Post.state == PostState.SENDING]
    if after is not None:
        waiting.append(Post.due_at > after)
        leased.append(Post.lease_until > after)
    if mine is not None:
        leased.append(mine(Post.guild_id))
    lease_ends = select(func.min(Post.lease_until)).where(*leased).scalar_subquery()
    if mine is None:
        return select(select(func.min(Post.due_at)).where(*waiting).scalar_subquery(), lease_ends)
    ahead = (
        select(Post.due_at, Post.guild_id)
        .where(*waiting)
        .order_by(Post.due_at)
        .limit(LOOK_AHEAD)
        .subquery()
    )
    own_first = func.min(case((mine(ahead.c.guild_id), ahead.c.due_at)))
    return select(own_first, func.max(ahead.c.due_at), func.count(), lease_ends).select_from(ahead)


def _earliest(row: Sequence[Any]) -> datetime | None:
    if len(row) == 2:
        times = [t for t in row if t is not None]
    else:  # a process running some of the shards: its own first, the last read, how many
        own_first, last_ahead, read, leased = row
        pending = own_first
        if pending is None and read >= LOOK_AHEAD:
            pending = last_ahead  # its next post is no earlier: look again then
        times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


async def claim_due(
    session: AsyncSession,
    now: datetime,
    lease: timedelta,
    limit: int,
    shards: ShardSpan | None,
    *,
    busy: Collection[int] = (),
    per_guild: int | None = None,
) -> list[ClaimedPost]:
    """Marks up to ``limit`` due posts (or ones whose lease ran out) of the servers of
    ``shards`` (None: of every server) as being sent by the caller until ``now + lease``, the
    earliest first: none of the ``busy`` servers (whose earlier posts the caller still holds, so
    a server's posts go in order) and at most ``per_guild`` of any one server. On PostgreSQL,
    rows another process is claiming are skipped."""
    pending = select(Post.id, Post.guild_id, Post.due_at).where(
        Post.state == PostState.PENDING, Post.due_at <= now
    )
    run_out = select(Post.id, Post.guild_id, Post.due_at).where(
        Post.state == PostState.SENDING, Post.lease_until <= now
    )
    mine = owned(Post.guild_id, shards)
    if mine is not None:
        pending, run_out = pending.where(mine), run_out.where(mine)
    if busy:
        idle = Post.guild_id.not_in(list(busy))
        pending, run_out = pending.where(idle), run_out.where(idle)
    # Two selects, each through its partial index: an OR of the two would scan the table.
    due = union_all(pending, run_out).subquery()
    if per_guild is None:
        capped = select(due.c.id).order_by(due.c.due_at).limit(limit)
    else:
        rank = func.row_number().over(
            partition_by=due.c.guild_id, order_by=(due.c.due_at, due.c.id)
        )
        ranked = select(due.c.id, due.c.due_at, rank.label("rank")).subquery()
        capped = (
            select(ranked.c.id)
            .where(ranked.c.rank <= per_guild)
            .order_by(ranked.c.due_at)
            .limit(limit)
        )
    chosen = select(Post.id).where(Post.id.in_(capped.scalar_subquery()))
    if _dialect(session) == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    claimed = await session.execute(
        update(Post)
        .where(Post.id.in_(chosen.scalar_subquery()))
        .values(
            state=PostState.SENDING,
            lease_until=now + lease,
            attempts=Post.attempts + 1,
            updated_at=now,
        )
        .returning(*_CLAIMED)
        .execution_options(synchronize_session=False)
    )
    posts = [ClaimedPost(**row._mapping) for row in claimed]
    return sorted(posts, key=lambda p: (p.due_at, p.id))


async def finish(
    session: AsyncSession,
    post_id: int,
    state: PostState,
    now: datetime,
    *,
    reason: str | None = None,
    channel_id: int | None = None,
    message_id: int | None = None,
    late: bool = False,
) -> None:
    """Records a claimed post's outcome (only while it is still claimed: a post re-planned or
    cancelled meanwhile keeps its new state)."""
    values: dict[str, object] = {
        "state": state,
        "lease_until": None,
        "reason": reason,
        "updated_at": now,
        "late": late,
    }
    if state is PostState.SENT:
        values |= {"sent_at": now, "channel_id": channel_id, "message_id": message_id}
    await session.execute(
        update(Post)
        .where(Post.id == post_id, Post.state == PostState.SENDING)
        .values(values)
        .execution_options(synchronize_session=False)
    )


async def free_note_causes(
    session: AsyncSession, guild_id: int, channel_id: int, now: datetime
) -> None:
    """A post went through to ``channel_id``: the causes told about that channel are freed, so
    the same failure there later is told again. Their notes keep their rows (and states); only
    the key moves out of the way (``failed:<channel>:...`` becomes ``told:<channel>:...#<id>``).
    One statement through the unique index's server and subject; it finds nothing unless a
    note was told about the channel."""
    await session.execute(
        update(Post)
        .where(
            Post.guild_id == guild_id,
            Post.subject == NOTE_SUBJECT,
            Post.key.startswith(cause_prefix(channel_id), autoescape=True),
        )
        .values(
            key=TOLD + func.substr(Post.key, len(CAUSE) + 1) + "#" + cast(Post.id, String),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def retry_later(
    session: AsyncSession, post_id: int, at: datetime, reason: str, now: datetime
) -> None:
    await session.execute(
        update(Post)
        .where(Post.id == post_id, Post.state == PostState.SENDING)
        .values(state=PostState.PENDING, due_at=at, lease_until=None, reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, post_ids: Sequence[int], now: datetime) -> None:
    """Hands claimed posts back (a shutdown that will not send them)."""
    if not post_ids:
        return
    await session.execute(
        update(Post)
        .where(Post.id.in_(bindparam("ids", expanding=True)), Post.state == PostState.SENDING)
        .values(state=PostState.PENDING, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False),
        {"ids": list(post_ids)},
    )


async def counts_by_state(session: AsyncSession, guild_id: int) -> dict[PostState, int]:
    rows = await session.execute(
        select(Post.state, func.count()).where(Post.guild_id == guild_id).group_by(Post.state)
    )
    return {PostState(state): int(count) for state, count in rows}


PENDING_INDEX = "ix_posts_pending_due"


async def pending_in_all_servers(session: AsyncSession, due_by: datetime | None = None) -> int:
    """How many posts wait to be sent in every server (an operator's figure, not a server's), or
    only those due by ``due_by``: through the pending posts' partial index, which SQLite's
    planner passes over for a skip-scan of (guild, state, due) server by server, or a read of all
    of it, unless told (at a million pending: 70 ms instead of 170 to 290, and 0.01 ms instead of
    2.4 for the few that are due)."""
    hint = f" INDEXED BY {PENDING_INDEX}" if _dialect(session) == "sqlite" else ""
    sql = f"SELECT count(*) FROM posts{hint} WHERE state = 'pending'"
    if due_by is None:
        statement = text(sql)
    else:
        statement = text(sql + " AND due_at <= :due_by").bindparams(
            bindparam("due_by", due_by, type_=UTCDateTime)
        )
    return int((await session.execute(statement)).scalar_one())


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def summary(session: AsyncSession, guild_id: int, problems: int = 3) -> PostSummary:
    counts = await counts_by_state(session, guild_id)
    next_due = await session.scalar(
        select(func.min(Post.due_at)).where(
            Post.guild_id == guild_id, Post.state == PostState.PENDING
        )
    )
    rows = await session.execute(
        select(Post.due_at, Post.kind, Post.state, Post.reason)
        .where(
            Post.guild_id == guild_id,
            Post.state.in_([PostState.FAILED, PostState.SKIPPED]),
            Post.target.not_like("user:%"),  # a member's closed DMs are theirs to fix, not admins'
            Post.kind != NOTE_KIND,  # a note refused too says nothing the failed post does not
        )
        .order_by(Post.due_at.desc())
        .limit(problems)
    )
    found = tuple(
        PostProblem(due, kind, PostState(state), reason) for due, kind, state, reason in rows
    )
    return PostSummary(counts, next_due, found)


async def listed(
    session: AsyncSession, guild_id: int, state: PostState | None, limit: int
) -> list[ListedPost]:
    """A server's posts for `posts list`: those still to go soonest first, then the rest latest
    first, each with its launch's title while the launch exists."""
    to_go = Post.state.in_([PostState.PENDING, PostState.SENDING])
    query = (
        select(
            Post.id, Post.kind, Post.subject, Post.key, Post.target, Post.launch_id, Post.state,
            Post.due_at, Post.expires_at, Post.attempts, Post.late, Post.reason, Post.sent_at,
            Post.channel_id, Post.message_id, Device.name, Launch.region,
        )
        .outerjoin(Launch, and_(Launch.id == Post.launch_id, Launch.guild_id == guild_id))
        .outerjoin(Device, and_(Device.id == Launch.device_id, Device.guild_id == guild_id))
        .where(Post.guild_id == guild_id)
        .order_by(
            case((to_go, 0), else_=1),
            case((to_go, Post.due_at)),
            Post.due_at.desc(),
            Post.id.desc(),
        )
        .limit(limit)
    )  # fmt: skip
    if state is not None:
        query = query.where(Post.state == state)
    return [_listed_post(row) for row in await session.execute(query)]


def _listed_post(r: Row[*tuple[Any, ...]]) -> ListedPost:
    title = None if r.name is None else launch_title(r.name, r.region)
    return ListedPost(
        id=r.id, kind=r.kind, subject=r.subject, key=r.key, target=r.target,
        launch_id=r.launch_id, launch=title, state=PostState(r.state), due_at=r.due_at,
        expires_at=r.expires_at, attempts=r.attempts, late=r.late, reason=r.reason,
        sent_at=r.sent_at, channel_id=r.channel_id, message_id=r.message_id,
    )  # fmt: skip


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
