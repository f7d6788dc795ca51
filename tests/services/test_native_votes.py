"""Native polls in the services, on each backend: the votes read back from Discord stored
exactly once whatever number of times they are stored, only on this server's native polls; a
poll Discord would not take removed with its close; buttons refused on a native poll; and a
native poll's close following its launch only earlier (Discord's end cannot move)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db.engine import create_session_factory
from bot.db.models import AuditEntry, Launch, Poll, PollVote, Post
from bot.domain.errors import InvalidInput, PollNotFound
from bot.domain.inputs import NewLaunch
from bot.domain.polls import NewPoll
from bot.domain.records import Actor
from bot.services.calendar import CalendarService
from bot.services.native_votes import NativeVoteService
from bot.services.polls import CloseMoved, PollService
from tests.support.clock import FakeClock

GUILD, OTHER = 1, 2
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
LAUNCH_AT = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
EDITOR = Actor(5, "editor")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def polls(engine: AsyncEngine, clock: FakeClock) -> PollService:
    return PollService(create_session_factory(engine), clock, builtin_guild_defaults())


@pytest.fixture
def votes(engine: AsyncEngine, clock: FakeClock) -> NativeVoteService:
    return NativeVoteService(create_session_factory(engine), clock)


async def _launch(calendar: CalendarService) -> int:
    new = NewLaunch(device="Xiaomi 12 Ultra", brand="Xiaomi", date="2027-03-10 19:30 Asia/Shanghai")
    change = await calendar.add(GUILD, EDITOR, new)
    assert change.after is not None
    return change.after.id


async def _votes(engine: AsyncEngine, poll_id: int) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(PollVote.user_id, PollVote.choices, PollVote.confidence, PollVote.updated_at)
            .where(PollVote.poll_id == poll_id)
            .order_by(PollVote.user_id)
        )
        return [tuple(r) for r in rows]


async def test_stored_votes_are_exactly_discords_and_storing_again_writes_nothing(
    calendar: CalendarService,
    polls: PollService,
    votes: NativeVoteService,
    engine: AsyncEngine,
    clock: FakeClock,
) -> None:
    launch = await _launch(calendar)
    native = (await polls.create(GUILD, EDITOR, NewPoll(launch, native=True))).view.poll
    big = 1 << 62  # Discord's ids are 64-bit
    view = await votes.store(GUILD, native.id, {big: 0b01, 7: 0b10, 8: 0b11, 9: 0})
    assert (view.tally.counts, view.tally.voters) == ((2, 2), 3)
    first = await _votes(engine, native.id)
    assert [(u, c, s) for u, c, s, _ in first] == [(7, 0b10, None), (8, 0b11, None), (big, 1, None)]

    clock.advance(timedelta(minutes=5))
    again = await votes.store(GUILD, native.id, {big: 0b01, 7: 0b10, 8: 0b11})
    assert again.tally == view.tally and await _votes(engine, native.id) == first

    changed = await votes.store(GUILD, native.id, {7: 0b01, 8: 0b11})
    assert (changed.tally.counts, changed.tally.voters) == ((2, 1), 2)
    assert [(u, c) for u, c, _, _ in await _votes(engine, native.id)] == [(7, 1), (8, 3)]
    async with engine.connect() as conn:
        audits = (
            await conn.execute(select(AuditEntry.action).where(AuditEntry.entity == "poll"))
        ).all()
    assert [a for (a,) in audits] == ["create", "votes", "votes", "votes"]


async def test_votes_go_only_to_this_servers_native_polls(
    calendar: CalendarService, polls: PollService, votes: NativeVoteService, engine: AsyncEngine
) -> None:
    launch = await _launch(calendar)
    native = (await polls.create(GUILD, EDITOR, NewPoll(launch, native=True))).view.poll
    buttons = (await polls.create(GUILD, EDITOR, NewPoll(launch))).view.poll
    with pytest.raises(PollNotFound):
        await votes.store(OTHER, native.id, {7: 1})
    with pytest.raises(InvalidInput, match="not a Discord native poll"):
        await votes.store(GUILD, buttons.id, {7: 1})
    with pytest.raises(InvalidInput, match="vote in the poll itself"):
        await polls.vote(GUILD, native.id, 7, 0)
    assert await _votes(engine, native.id) == [] and await _votes(engine, buttons.id) == []


async def test_a_native_poll_discord_refused_is_removed_with_its_close(
    calendar: CalendarService, polls: PollService, votes: NativeVoteService, engine: AsyncEngine
) -> None:
    launch = await _launch(calendar)
    native = (await polls.create(GUILD, EDITOR, NewPoll(launch, native=True))).view.poll
    await votes.discard(GUILD, EDITOR, native.id, "Discord refused the poll: 403 Missing Access")
    async with engine.connect() as conn:
        assert (await conn.execute(select(Poll.id))).all() == []
        where = Post.subject == f"poll:{native.id}"
        (state,) = (await conn.execute(select(Post.state).where(where))).one()
        (action,) = (
            await conn.execute(select(AuditEntry.action).where(AuditEntry.entity == "poll"))
        ).all()[-1]
    assert (str(getattr(state, "value", state)), action) == ("cancelled", "discard")


async def test_a_native_polls_close_follows_its_launch_only_earlier(
    calendar: CalendarService, polls: PollService, engine: AsyncEngine, clock: FakeClock
) -> None:
    launch = await _launch(calendar)
    native = (await polls.create(GUILD, EDITOR, NewPoll(launch, native=True))).view.poll
    buttons = (await polls.create(GUILD, EDITOR, NewPoll(launch))).view.poll
    later = await calendar.confirm(GUILD, EDITOR, launch, "2027-03-12 19:30 Asia/Shanghai")
    assert later.moved_polls == (buttons.id,)
    assert (await polls.view(GUILD, native.id)).poll.closes_at == LAUNCH_AT
    earlier = await calendar.confirm(GUILD, EDITOR, launch, "2027-03-08 19:30 Asia/Shanghai")
    assert set(earlier.moved_polls) == {native.id, buttons.id}
    two_days_early = LAUNCH_AT - timedelta(days=2)
    assert (await polls.view(GUILD, native.id)).poll.closes_at == two_days_early

    async with engine.begin() as conn:  # moved later by a path that moves no poll (an import)
        moved = LAUNCH_AT + timedelta(days=5)
        await conn.execute(
            Launch.__table__.update()
            .values(window_start=moved, window_end=moved + timedelta(minutes=1))
            .where(Launch.id == launch)
        )
    clock.now = two_days_early
    closed = await polls.close_when_due(GUILD, native.id)
    assert not isinstance(closed, CloseMoved) and closed.closed_now  # Discord ends it now
    assert await polls.close_when_due(GUILD, buttons.id) == CloseMoved(moved)
