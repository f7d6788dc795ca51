"""When the next scheduled post is due: one look at the partial indexes of pending posts and of
leases, for every server or for the servers of a process's shards, in a session or in one trip
to the driver (the dispatcher's look every few seconds)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache, partial
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    case,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db.models import Post
from bot.db.one_trip import OneTripRead
from bot.db.shard_filter import owned, owned_by_parameters, shard_values
from bot.db.types import UTCDateTime
from bot.domain.shards import ShardSpan
from bot.domain.vocabulary import PostState

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
