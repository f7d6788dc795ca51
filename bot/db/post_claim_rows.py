"""Sending scheduled posts: due posts claimed under a lease, and what happened to each recorded
(sent, failed or skipped, retried later, handed back); a post that went through frees the causes
the admins were told about for its channel."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Post
from bot.db.shard_filter import owned
from bot.domain.admin_note import CAUSE, NOTE_SUBJECT, TOLD, cause_prefix
from bot.domain.records import ClaimedPost
from bot.domain.shards import ShardSpan
from bot.domain.vocabulary import PostState

_CLAIMED = (
    Post.id, Post.guild_id, Post.launch_id, Post.subject, Post.key, Post.target, Post.kind,
    Post.due_at, Post.expires_at, Post.attempts, Post.payload,
)  # fmt: skip


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
    is_pending = and_(Post.state == PostState.PENDING, Post.due_at <= now)
    has_run_out = and_(Post.state == PostState.SENDING, Post.lease_until <= now)
    pending = select(Post.id, Post.guild_id, Post.due_at).where(is_pending)
    run_out = select(Post.id, Post.guild_id, Post.due_at).where(has_run_out)
    mine = owned(Post.guild_id, shards)
    if mine is not None:
        pending, run_out = pending.where(mine), run_out.where(mine)
    if busy:
        idle = Post.guild_id.not_in(list(busy))
        pending, run_out = pending.where(idle), run_out.where(idle)
    # Two selects, each through its partial index: an OR of the two would scan the table.
    # Materialized, so that SQLite does not read them in the ranking's order through the
    # (guild, state, due) index, which covers every post ever sent.
    due = union_all(pending, run_out).cte("due").prefix_with("MATERIALIZED")
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
    # The state again on the row itself: PostgreSQL re-checks it on the row's latest version
    # once locked, so a post another process claimed after this statement's snapshot is left.
    chosen = select(Post.id).where(
        Post.id.in_(capped.scalar_subquery()), or_(is_pending, has_run_out)
    )
    if session.get_bind().dialect.name == "postgresql":
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
