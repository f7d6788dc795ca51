"""The note to admins as rows: planned with the failure it tells of, once per cause however many
posts fail for it at once (on PostgreSQL, in concurrent transactions), and told again only after
a post to that channel has gone through."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db import planned_post_rows
from bot.db.engine import create_session_factory
from bot.db.models import Post
from bot.domain.admin_note import NOTE_KIND, AdminNote, PostFailure
from bot.domain.records import ClaimedPost, PostPlan
from bot.domain.vocabulary import PostState
from bot.services.deliveries import DeliveryService
from tests.support.clock import FakeClock

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
GUILD = 7
CLOSED, OTHER, SIMILAR = 55, 66, 555
"""The channel that refuses posts, one that takes them, and one whose id starts like it."""


def _refused(channel_id: int = CLOSED, about: str = "Phone 0") -> PostFailure:
    return PostFailure("reminder", about, channel_id, 403, 50013)


async def _claimed(
    engine: AsyncEngine, deliveries: DeliveryService, count: int
) -> list[ClaimedPost]:
    plans = [
        PostPlan(key=f"reminder:60@{n}", target="channel", kind="reminder", due_at=NOW,
                 expires_at=NOW + timedelta(hours=1))
        for n in range(count)
    ]  # fmt: skip
    async with create_session_factory(engine)() as session, session.begin():
        await planned_post_rows.insert(session, GUILD, "test", plans, NOW)
    return await deliveries.claim(timedelta(minutes=2), 1000)


async def _notes(engine: AsyncEngine) -> list[tuple[str, str, dict[str, object] | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(Post.key, Post.state, Post.payload)
            .where(Post.guild_id == GUILD, Post.kind == NOTE_KIND)
            .order_by(Post.id)
        )
        return [(k, str(getattr(s, "value", s)), p) for k, s, p in rows]


async def test_fifty_posts_refused_at_once_for_one_cause_plan_one_note(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    clock.now = NOW
    deliveries = DeliveryService(create_session_factory(engine), clock, builtin_guild_defaults())
    posts = await _claimed(engine, deliveries, 50)
    assert len(posts) == 50
    await asyncio.gather(
        *(
            deliveries.finish(
                post,
                PostState.FAILED,
                reason="Discord answered 403 (code 50013)",
                refused=_refused(about=f"Phone {n}"),
            )
            for n, post in enumerate(posts)
        )
    )
    notes = await _notes(engine)
    assert [(k, s) for k, s, _ in notes] == [("failed:55:403:50013", "pending")]
    told = AdminNote.from_payload(notes[0][2])
    assert told.at == NOW and told.failure.channel_id == CLOSED
    assert told.failure.about in {f"Phone {n}" for n in range(50)}  # whichever failed first
    counts = await deliveries.counts(GUILD)
    assert counts == {PostState.FAILED: 50, PostState.PENDING: 1}


async def test_a_cause_is_told_again_only_after_a_post_to_its_channel_went_through(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    clock.now = NOW
    deliveries = DeliveryService(create_session_factory(engine), clock, builtin_guild_defaults())
    first, second, third, fourth, fifth, sixth = await _claimed(engine, deliveries, 6)
    await deliveries.finish(first, PostState.FAILED, reason="403", refused=_refused())
    await deliveries.finish(second, PostState.FAILED, reason="403", refused=_refused(SIMILAR))
    claimed = await deliveries.claim(timedelta(minutes=2), 10)
    [note] = [p for p in claimed if p.key == "failed:55:403:50013"]
    # The note itself going through, or a post to another channel, frees nothing.
    await deliveries.finish(note, PostState.SENT, channel_id=CLOSED, message_id=1)
    await deliveries.finish(third, PostState.SENT, channel_id=OTHER, message_id=2)
    await deliveries.finish(fourth, PostState.FAILED, reason="403", refused=_refused())
    keys = [k for k, _, _ in await _notes(engine)]
    assert keys == ["failed:55:403:50013", "failed:555:403:50013"]
    # A post to the channel goes through: the channel's cause is freed, its note kept.
    await deliveries.finish(fifth, PostState.SENT, channel_id=CLOSED, message_id=3)
    await deliveries.finish(sixth, PostState.FAILED, reason="403", refused=_refused())
    notes = await _notes(engine)
    assert [(k, s) for k, s, _ in notes] == [
        (f"told:55:403:50013#{note.id}", "sent"),
        ("failed:555:403:50013", "sending"),
        ("failed:55:403:50013", "pending"),
    ]


async def test_a_failure_without_a_refusal_plans_no_note(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    clock.now = NOW
    deliveries = DeliveryService(create_session_factory(engine), clock, builtin_guild_defaults())
    [post] = await _claimed(engine, deliveries, 1)
    await deliveries.finish(post, PostState.FAILED, reason="Discord answered 503; gave up")
    assert await _notes(engine) == []


async def test_a_process_looks_for_causes_to_free_only_after_it_planned_one_there(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    """After a post went through to a channel, this process frees nothing there until it plans
    a note about it itself: a note another process planned meanwhile is freed by that process
    (or by this one after a restart). So a channel that works costs no statement per post."""
    clock.now = NOW
    defaults = builtin_guild_defaults()
    this = DeliveryService(create_session_factory(engine), clock, defaults)
    other = DeliveryService(create_session_factory(engine), clock, defaults)
    first, second, third, fourth = await _claimed(engine, this, 4)
    await this.finish(first, PostState.SENT, channel_id=CLOSED, message_id=1)
    await other.finish(second, PostState.FAILED, reason="403", refused=_refused())
    await this.finish(third, PostState.SENT, channel_id=CLOSED, message_id=3)
    assert [k for k, _, _ in await _notes(engine)] == ["failed:55:403:50013"]  # not looked for
    await other.finish(fourth, PostState.SENT, channel_id=CLOSED, message_id=4)
    [(freed, _, _)] = await _notes(engine)
    assert freed.startswith("told:55:403:50013#")
