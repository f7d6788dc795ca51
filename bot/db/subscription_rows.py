"""Members' subscriptions and their DMs in the database: subscribing, listing, the DM posts a
launch's channel post fans out to its subscribers, and the count of failed DMs in a row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, String, case, cast, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import launch_queries as q
from bot.db.models import Brand, Device, Launch, MemberDms, Post, Subscription
from bot.db.types import UTCDateTime
from bot.domain.records import ClaimedPost
from bot.domain.subscriptions import USER_TARGET, AfterDmFailure, DmNotice, after_dm_failure
from bot.domain.vocabulary import PostState


def _insert(session: AsyncSession) -> Any:
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


async def subscribe(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    now: datetime,
    *,
    launch_id: int | None = None,
    brand_id: int | None = None,
) -> bool:
    """True when the member was not subscribed to it yet (one statement)."""
    added = await session.scalar(
        _insert(session)(Subscription)
        .values(
            guild_id=guild_id,
            user_id=user_id,
            launch_id=launch_id,
            brand_id=brand_id,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(Subscription.id)
    )
    return added is not None


async def unsubscribe(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    *,
    launch_id: int | None = None,
    brand_id: int | None = None,
) -> bool:
    """True when there was such a subscription (one statement)."""
    which = (
        Subscription.launch_id == launch_id
        if launch_id is not None
        else Subscription.brand_id == brand_id
    )
    gone = await session.execute(
        delete(Subscription)
        .where(Subscription.guild_id == guild_id, Subscription.user_id == user_id, which)
        .returning(Subscription.id)
    )
    return gone.first() is not None


async def launches_of(session: AsyncSession, guild_id: int, user_id: int) -> list[Row[Any]]:
    """The launches a member subscribed to, as listing rows (``launch_records`` reads them)."""
    chosen = select(Subscription.launch_id).where(
        Subscription.guild_id == guild_id,
        Subscription.user_id == user_id,
        Subscription.launch_id.is_not(None),
    )
    rows = await session.execute(
        q.listing()
        .where(q.LAUNCHES.id.in_(chosen))
        .order_by(q.LAUNCHES.window_start, q.LAUNCHES.id),
        {"g": guild_id},
    )
    return list(rows)


async def brands_of(session: AsyncSession, guild_id: int, user_id: int) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(Brand.id, Brand.name)
        .join(Subscription, Subscription.brand_id == Brand.id)
        .where(
            Subscription.guild_id == guild_id,
            Subscription.user_id == user_id,
            Brand.guild_id == guild_id,
        )
        .order_by(Brand.name_key)
    )
    return [(brand_id, name) for brand_id, name in rows]


async def fan_out(session: AsyncSession, post: ClaimedPost, now: datetime) -> int:
    """Adds a post for each member subscribed to the channel post's launch or to its brand: the
    same subject and moment, targeted at the member, due at once. One statement; a member who
    has one already (the channel post is sent again after a retry) gets no second."""
    assert post.launch_id is not None
    brand_of_launch = (
        select(Device.brand_id)
        .join(Launch, Launch.device_id == Device.id)
        .where(Launch.id == post.launch_id, Launch.guild_id == post.guild_id)
        .scalar_subquery()
    )
    subscribers = (
        select(
            literal(post.guild_id).label("guild_id"),
            literal(post.launch_id).label("launch_id"),
            literal(post.subject, String()).label("subject"),
            literal(post.key, String()).label("key"),
            (literal(USER_TARGET, String()) + cast(Subscription.user_id, String())).label("target"),
            literal(post.kind, String()).label("kind"),
            literal(post.due_at, UTCDateTime()).label("due_at"),
            literal(post.expires_at, UTCDateTime()).label("expires_at"),
            literal(PostState.PENDING.value, String()).label("state"),
            literal(0).label("attempts"),
            literal(False).label("late"),
            literal(now, UTCDateTime()).label("created_at"),
            literal(now, UTCDateTime()).label("updated_at"),
        )
        .where(
            Subscription.guild_id == post.guild_id,
            or_(
                Subscription.launch_id == post.launch_id,
                Subscription.brand_id == brand_of_launch,
            ),
        )
        .distinct()
    )
    columns = [
        "guild_id", "launch_id", "subject", "key", "target", "kind", "due_at", "expires_at",
        "state", "attempts", "late", "created_at", "updated_at",
    ]  # fmt: skip
    added = await session.execute(
        _insert(session)(Post).from_select(columns, subscribers).on_conflict_do_nothing()
    )
    return int(getattr(added, "rowcount", 0) or 0)


async def dm_sent(session: AsyncSession, guild_id: int, user_id: int, now: datetime) -> None:
    """A DM reached the member: the failures in a row start again, and a notice that their DMs
    are closed is no longer true."""
    await session.execute(
        update(MemberDms)
        .where(
            MemberDms.guild_id == guild_id,
            MemberDms.user_id == user_id,
            or_(MemberDms.failures > 0, MemberDms.notice == DmNotice.CLOSED.value),
        )
        .values(
            failures=0,
            notice=case((MemberDms.notice == DmNotice.CLOSED.value, None), else_=MemberDms.notice),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def dm_failed(
    session: AsyncSession, guild_id: int, user_id: int, reason: str, now: datetime
) -> AfterDmFailure:
    """Counts a failed DM against the member; after too many in a row, ends their
    subscriptions in this server."""
    insert = _insert(session)(MemberDms).values(
        guild_id=guild_id, user_id=user_id, failures=1, notice=None, reason=reason, updated_at=now
    )
    counted = await session.execute(
        insert.on_conflict_do_update(
            index_elements=["guild_id", "user_id"],
            set_={"failures": MemberDms.failures + 1, "reason": reason, "updated_at": now},
        ).returning(MemberDms.failures, MemberDms.notice)
    )
    failures, notice = counted.one()
    outcome = after_dm_failure(failures, DmNotice(notice) if notice else None)
    await session.execute(
        update(MemberDms)
        .where(MemberDms.guild_id == guild_id, MemberDms.user_id == user_id)
        .values(
            failures=outcome.failures,
            notice=outcome.notice.value if outcome.notice else None,
        )
        .execution_options(synchronize_session=False)
    )
    if outcome.unsubscribe:
        await session.execute(
            delete(Subscription).where(
                Subscription.guild_id == guild_id, Subscription.user_id == user_id
            )
        )
    return outcome


async def members_with_notices(session: AsyncSession) -> set[tuple[int, int]]:
    """Every (server, member) with a notice waiting, in all servers (read once at start)."""
    rows = await session.execute(
        select(MemberDms.guild_id, MemberDms.user_id).where(MemberDms.notice.is_not(None))
    )
    return {(guild_id, user_id) for guild_id, user_id in rows}


async def take_notice(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime
) -> DmNotice | None:
    """The member's waiting notice, cleared in the same (write) transaction so it is shown once."""
    mine = (MemberDms.guild_id == guild_id, MemberDms.user_id == user_id)
    waiting = select(MemberDms.notice).where(*mine, MemberDms.notice.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        waiting = waiting.with_for_update()
    notice = await session.scalar(waiting)
    if notice is None:
        return None
    await session.execute(
        update(MemberDms)
        .where(*mine)
        .values(notice=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return DmNotice(notice)
