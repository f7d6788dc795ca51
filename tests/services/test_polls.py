"""The poll service on each backend: creating (checked and audited, its close planned in the
same transaction), votes written together yet answered one by one, a closed poll refusing
votes, and a poll's close following its launch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db.engine import create_session_factory
from bot.db.models import AuditEntry, Launch, Poll, PollVote, Post
from bot.domain.catalog import CatalogEntry, parse_catalog_text
from bot.domain.errors import InvalidInput, LaunchNotFound, NotAllowed, PollClosed, PollNotFound
from bot.domain.inputs import NewLaunch
from bot.domain.permissions import MemberFacts
from bot.domain.poll_rules import CLOSE_KIND
from bot.domain.polls import NewPoll
from bot.domain.records import Actor
from bot.domain.vocabulary import PollState
from bot.services.calendar import CalendarService
from bot.services.catalog_import import import_catalog
from bot.services.polls import CloseMoved, PollService
from tests.support.clock import FakeClock

GUILD, OTHER = 1, 2
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
LAUNCH_AT = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
EDITOR = Actor(5, "editor")
MEMBER = Actor(6, "member", MemberFacts(6, frozenset(), False, False, False))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def polls(engine: AsyncEngine, clock: FakeClock) -> PollService:
    return PollService(create_session_factory(engine), clock, builtin_guild_defaults())


async def _launch(calendar: CalendarService, guild: int = GUILD, **fields: object) -> int:
    new = NewLaunch(device="Xiaomi 12 Ultra", brand="Xiaomi", **fields)  # type: ignore[arg-type]
    change = await calendar.add(guild, EDITOR, new)
    assert change.after is not None
    return change.after.id


async def _rows(engine: AsyncEngine, model: type, *where: object) -> list[object]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(model.__table__).where(*where))).all())


async def test_a_poll_is_created_with_its_defaults_and_its_close_planned(
    calendar: CalendarService, polls: PollService, engine: AsyncEngine
) -> None:
    launch = await _launch(calendar, date="2027-03-10 19:30 Asia/Shanghai", partner="Leica")
    created = await polls.create(GUILD, EDITOR, NewPoll(launch))
    poll = created.view.poll
    assert poll.question == "Will the Leica collaboration appear on the Xiaomi 12 Ultra?"
    assert poll.answers == ("Yes", "No")
    assert (poll.closes_at, poll.closes_with_launch, created.next_post_at) == (
        LAUNCH_AT, True, LAUNCH_AT,
    )  # fmt: skip
    assert created.view.tally.counts == (0, 0)
    (post,) = await _rows(engine, Post, Post.subject == f"poll:{poll.id}")
    assert (post.kind, post.due_at.replace(tzinfo=UTC), post.state) == (
        CLOSE_KIND, LAUNCH_AT, "pending",
    )  # fmt: skip
    audits = await _rows(engine, AuditEntry, AuditEntry.entity == "poll")
    assert [(a.entity_id, a.action) for a in audits] == [(poll.id, "create")]


async def test_creating_needs_an_editor_a_launch_of_this_server_and_good_input(
    calendar: CalendarService, polls: PollService, engine: AsyncEngine
) -> None:
    launch = await _launch(calendar, date="Q2 2027")
    with pytest.raises(NotAllowed, match="Creating polls needs"):
        await polls.create(GUILD, MEMBER, NewPoll(launch, closes="2027-04-01 10:00"))
    with pytest.raises(LaunchNotFound):
        await polls.create(OTHER, EDITOR, NewPoll(launch, closes="2027-04-01 10:00"))
    with pytest.raises(InvalidInput, match="only dated Q2 2027"):
        await polls.create(GUILD, EDITOR, NewPoll(launch))
    with pytest.raises(InvalidInput, match="2 to 10 answers"):
        await polls.create(GUILD, EDITOR, NewPoll(launch, answers="Yes", closes="1 April 2027"))
    assert await _rows(engine, Poll) == []
    assert await _rows(engine, Post, Post.kind == CLOSE_KIND) == []


async def test_a_thousand_votes_at_once_are_each_recorded_and_answered(
    calendar: CalendarService, polls: PollService, engine: AsyncEngine
) -> None:
    launch = await _launch(calendar, date="2027-03-10 19:30 Asia/Shanghai")
    poll = (await polls.create(GUILD, EDITOR, NewPoll(launch))).view.poll
    votes = await asyncio.gather(
        *(polls.vote(GUILD, poll.id, 1000 + n, n % 2) for n in range(1000))
    )
    assert [v.answers for v in votes[:2]] == [("Yes",), ("No",)]
    view = await polls.view(GUILD, poll.id)
    assert (view.tally.counts, view.tally.voters) == ((500, 500), 1000)


async def test_a_member_changes_their_vote_and_toggles_answers_in_order(
    calendar: CalendarService, polls: PollService
) -> None:
    launch = await _launch(calendar, date="2027-03-10 19:30 Asia/Shanghai")
    single = (await polls.create(GUILD, EDITOR, NewPoll(launch))).view.poll
    many = (
        await polls.create(GUILD, EDITOR, NewPoll(launch, answers="A | B | C", multiple=True))
    ).view.poll
    first, second = await asyncio.gather(
        polls.vote(GUILD, single.id, 7, 0), polls.vote(GUILD, single.id, 7, 1)
    )
    assert (first.answers, second.answers) == (("Yes",), ("No",))
    clicks = await asyncio.gather(*(polls.vote(GUILD, many.id, 7, a) for a in (0, 2, 0, 1)))
    assert [c.answers for c in clicks] == [("A",), ("A", "C"), ("C",), ("B", "C")]
    mine = await polls.my_vote(GUILD, many.id, 7)
    assert mine is not None and mine.answers == ("B", "C")
    assert await polls.my_vote(GUILD, single.id, 8) is None


async def test_votes_on_a_closed_poll_or_another_servers_poll_are_refused(
    calendar: CalendarService, polls: PollService, engine: AsyncEngine
) -> None:
    launch = await _launch(calendar, date="2027-03-10 19:30 Asia/Shanghai")
    poll = (await polls.create(GUILD, EDITOR, NewPoll(launch, confidence=True))).view.poll
    assert (await polls.vote(GUILD, poll.id, 7, 0, 80)).confidence == 80
    with pytest.raises(PollNotFound):
        await polls.vote(OTHER, poll.id, 7, 0, 80)
    with pytest.raises(PollNotFound):
        await polls.vote(GUILD, poll.id + 1, 7, 0, 80)
    with pytest.raises(NotAllowed, match="Closing polls needs"):
        await polls.close(GUILD, MEMBER, poll.id)
    closed = await polls.close(GUILD, EDITOR, poll.id)
    assert closed.closed_now and closed.view.poll.state is PollState.CLOSED
    assert closed.view.tally.counts == (1, 0)
    assert not (await polls.close(GUILD, EDITOR, poll.id)).closed_now
    with pytest.raises(PollClosed):
        await polls.vote(GUILD, poll.id, 8, 1, 60)
    (post,) = await _rows(engine, Post, Post.subject == f"poll:{poll.id}")
    assert post.state == "cancelled"
    async with create_session_factory(engine)() as session:
        (vote,) = (await session.scalars(select(PollVote))).all()
    assert (vote.user_id, vote.choices, vote.confidence) == (7, 1, 80)
    assert (vote.cast_at, vote.updated_at) == (NOW, NOW)


async def test_the_close_moves_with_its_launch_in_the_launchs_transaction(
    calendar: CalendarService, polls: PollService, engine: AsyncEngine, clock: FakeClock
) -> None:
    launch = await _launch(calendar, date="2027-03-10 19:30 Asia/Shanghai")
    follows = (await polls.create(GUILD, EDITOR, NewPoll(launch))).view.poll
    fixed = (await polls.create(GUILD, EDITOR, NewPoll(launch, closes="2027-03-05"))).view.poll
    change = await calendar.confirm(GUILD, EDITOR, launch, "2027-03-12 19:30 Asia/Shanghai")
    later = LAUNCH_AT + timedelta(days=2)
    assert change.moved_polls == (follows.id,)
    assert (await polls.view(GUILD, follows.id)).poll.closes_at == later
    assert (await polls.view(GUILD, fixed.id)).poll.closes_at == datetime(2027, 3, 6, tzinfo=UTC)
    posts = await _rows(engine, Post, Post.subject == f"poll:{follows.id}")
    assert sorted((p.state, p.due_at.replace(tzinfo=UTC)) for p in posts) == [
        ("cancelled", LAUNCH_AT), ("pending", later),
    ]  # fmt: skip
    cancelled = await calendar.cancel(GUILD, EDITOR, launch)
    assert cancelled.moved_polls == (follows.id,) and cancelled.next_post_at == NOW
    assert (await polls.view(GUILD, follows.id)).poll.closes_at == NOW


async def test_a_due_close_whose_launch_moved_meanwhile_is_planned_again(
    calendar: CalendarService, polls: PollService, engine: AsyncEngine, clock: FakeClock
) -> None:
    launch = await _launch(calendar, date="2027-03-10 19:30 Asia/Shanghai")
    poll = (await polls.create(GUILD, EDITOR, NewPoll(launch))).view.poll
    async with engine.begin() as conn:  # as a catalog import moves it: no poll follows
        later = LAUNCH_AT + timedelta(days=1)
        await conn.execute(
            Poll.__table__.update().values(closes_at=LAUNCH_AT).where(Poll.id == poll.id)
        )
        await conn.execute(
            Launch.__table__.update()
            .values(window_start=later, window_end=later + timedelta(minutes=1))
            .where(Launch.id == launch)
        )
    clock.now = LAUNCH_AT
    moved = await polls.close_when_due(GUILD, poll.id)
    assert moved == CloseMoved(later)
    clock.now = later
    closed = await polls.close_when_due(GUILD, poll.id)
    assert not isinstance(closed, CloseMoved) and closed.closed_now


async def test_removing_the_launch_closes_its_polls_at_once(
    calendar: CalendarService, polls: PollService
) -> None:
    launch = await _launch(calendar, date="2027-03-10 19:30 Asia/Shanghai")
    poll = (await polls.create(GUILD, EDITOR, NewPoll(launch))).view.poll
    removed = await calendar.remove(GUILD, EDITOR, launch)
    assert removed.moved_polls == (poll.id,) and removed.next_post_at == NOW
    view = await polls.view(GUILD, poll.id)
    assert (view.poll.launch_id, view.poll.launch_title, view.poll.closes_at) == (None, None, NOW)
    assert view.poll.state is PollState.OPEN  # the close post closes it, when it goes out


async def test_a_catalog_import_that_moves_or_ends_the_launch_moves_its_polls_close(
    calendar: CalendarService, polls: PollService, engine: AsyncEngine
) -> None:
    launch = await _launch(calendar, date="2027-03-10 19:30 Asia/Shanghai")
    follows = (await polls.create(GUILD, EDITOR, NewPoll(launch))).view.poll
    fixed_poll = (
        await polls.create(GUILD, EDITOR, NewPoll(launch, closes="2027-03-20 10:00"))
    ).view.poll

    def catalog(line: str) -> list[CatalogEntry]:
        text = f'format = 1\n[[launch]]\ndevice = "Xiaomi 12 Ultra"\nbrand = "Xiaomi"\n{line}\n'
        return parse_catalog_text(text, "toml")

    earlier = datetime(2027, 3, 5, 11, 30, tzinfo=UTC)
    moved = await import_catalog(
        calendar, GUILD, EDITOR, catalog('date = "2027-03-05 19:30 Asia/Shanghai"')
    )
    assert (moved.updated, moved.polls_moved) == (1, (follows.id,))
    assert (await polls.view(GUILD, follows.id)).poll.closes_at == earlier
    assert (await polls.view(GUILD, fixed_poll.id)).poll.closes_at == fixed_poll.closes_at
    closes = await _rows(engine, Post, Post.subject == f"poll:{follows.id}")
    assert sorted((p.due_at.replace(tzinfo=UTC), p.state) for p in closes) == [
        (earlier, "pending"), (LAUNCH_AT, "cancelled"),
    ]  # fmt: skip

    again = await import_catalog(
        calendar, GUILD, EDITOR, catalog('date = "2027-03-05 19:30 Asia/Shanghai"')
    )
    assert (again.unchanged, again.polls_moved) == (1, ())

    ended = await import_catalog(
        calendar,
        GUILD,
        EDITOR,
        catalog('date = "2027-03-05 19:30 Asia/Shanghai"\nstatus = "cancelled"'),
    )
    assert ended.polls_moved == (follows.id,)
    assert (await polls.view(GUILD, follows.id)).poll.closes_at == NOW
