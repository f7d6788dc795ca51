"""The kept leaderboard, on each backend: worked out once and then read back (by this process, a
restarted one or another shard's), and worked out again after whatever moves it: a resolution, a
correction (back and forth), a resolved native poll's votes read back, a poll removed. A board
worked out while a change committed is not kept."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.config import builtin_guild_defaults
from bot.db import poll_board_rows as boards
from bot.db.engine import create_engine, create_session_factory, each_alone
from bot.db.models import PollBoard, PollVote
from bot.db.poll_score_rows import ScoredVote
from bot.domain.inputs import NewLaunch
from bot.domain.poll_scoring import Leaderboard, MemberScore
from bot.domain.polls import NewPoll
from bot.domain.records import Actor
from bot.services import poll_standings
from bot.services.calendar import CalendarService
from bot.services.native_votes import NativeVoteService
from bot.services.poll_results import PollResultService
from bot.services.poll_standings import PollStandingService
from bot.services.polls import PollService
from tests.support.clock import FakeClock

GUILD, OTHER = 1, 2
EDITOR = Actor(5, "editor")
LINK = "https://x.test/evidence"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 1, 12, tzinfo=UTC))


def shown(board: Leaderboard) -> list[tuple[int, int, int, int]]:
    """(rank, member, predictions, hits), the members not ranked yet as rank 0."""
    ranked = [(r.rank, r.score.user_id, r.score.predictions, r.score.hits) for r in board.ranked]
    return ranked + [(0, s.user_id, s.predictions, s.hits) for s in board.unranked]


async def _row(engine: AsyncEngine, guild: int) -> tuple[int, int | None, object] | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(PollBoard.generation, PollBoard.built, PollBoard.scores).where(
                    PollBoard.guild_id == guild
                )
            )
        ).first()
    return None if row is None else (row[0], row[1], row[2])


async def test_the_board_is_kept_until_a_resolution_moves_it_in_every_process(
    engine: AsyncEngine, db_url: str, calendar: CalendarService, clock: FakeClock
) -> None:
    sessions = create_session_factory(engine)
    defaults = builtin_guild_defaults()
    polls = PollService(sessions, clock, defaults)
    results = PollResultService(sessions, clock, defaults)
    standings = PollStandingService(sessions, clock, min_predictions=2)
    ids = []
    for number in range(3):
        change = await calendar.add(GUILD, EDITOR, NewLaunch(device=f"P{number}", brand="B"))
        assert change.after is not None
        new = NewPoll(change.after.id, closes="2027-04-01 10:00")
        ids.append((await polls.create(GUILD, EDITOR, new)).view.poll.id)
    first, second, third = ids
    for poll in ids:
        await polls.vote(GUILD, poll, 10, 0)  # member 10 always says Yes
        await polls.vote(GUILD, poll, 11, 1)  # member 11 always says No
    await results.resolve(GUILD, EDITOR, first, "Yes", LINK)
    await results.resolve(GUILD, EDITOR, second, "Yes", LINK)
    assert await _row(engine, GUILD) == (2, None, None)

    assert shown(await standings.leaderboard(GUILD)) == [(1, 10, 2, 2), (2, 11, 2, 0)]
    kept = await _row(engine, GUILD)
    assert kept is not None and kept[:2] == (2, 2) and isinstance(kept[2], list)
    # Read back, not worked out again: a vote changed behind the bot's back (the bot never
    # changes a resolved poll's votes) does not show until something moves the board.
    async with engine.begin() as conn:
        await conn.execute(
            update(PollVote)
            .where(PollVote.poll_id == first, PollVote.user_id == 11)
            .values(choices=0b01)  # Yes, as member 10
        )
    assert shown(await standings.leaderboard(GUILD)) == [(1, 10, 2, 2), (2, 11, 2, 0)]
    assert (await standings.stats(GUILD, 11)).rank == 2

    # Another process (a shard, or the bot after a restart) with its own engine.
    other_engine = create_engine(db_url)
    try:
        other_sessions = create_session_factory(other_engine)
        elsewhere = PollStandingService(other_sessions, clock, min_predictions=2)
        other_results = PollResultService(other_sessions, clock, defaults)
        assert shown(await elsewhere.leaderboard(GUILD)) == [(1, 10, 2, 2), (2, 11, 2, 0)]
        # a correction there re-scores everyone here
        await other_results.resolve(GUILD, EDITOR, second, "No", LINK)
        # worked out again: member 11's changed vote counts now
        assert shown(await standings.leaderboard(GUILD)) == [(1, 11, 2, 2), (2, 10, 2, 1)]
        # only the evidence changing moves nothing
        await other_results.resolve(GUILD, EDITOR, second, "No", LINK + "/2")
        assert (await _row(engine, GUILD) or (0,))[0] == 3
        await results.resolve(GUILD, EDITOR, third, "No", LINK)
        assert shown(await elsewhere.leaderboard(GUILD)) == [(1, 11, 3, 3), (2, 10, 3, 1)]
        stats = await elsewhere.stats(GUILD, 10)
        assert stats.rank == 2 and stats.score is not None and stats.score.hits == 1
        # and back again
        await other_results.resolve(GUILD, EDITOR, second, "Yes", LINK)
        assert shown(await standings.leaderboard(GUILD)) == [(1, 10, 3, 2), (2, 11, 3, 2)]
        assert shown(await elsewhere.leaderboard(GUILD)) == [(1, 10, 3, 2), (2, 11, 3, 2)]
    finally:
        await other_engine.dispose()
    assert await _row(engine, OTHER) is None
    assert shown(await standings.leaderboard(OTHER)) == []
    assert await _row(engine, OTHER) == (0, 0, [])


async def test_a_board_worked_out_before_a_change_committed_is_not_kept(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    sessions = create_session_factory(engine)
    standings = PollStandingService(sessions, clock)
    async with sessions() as session:
        assert await boards.kept(session, GUILD) == boards.KeptBoard(0, None)
    scores = (await standings.leaderboard(GUILD)).unranked  # nobody: an empty board, kept
    async with sessions() as session, session.begin():
        await boards.bump(session, GUILD, clock())
    async with sessions() as session:
        await each_alone(session)
        await boards.keep(session, GUILD, 0, scores, clock())  # worked out at generation 0
    assert await _row(engine, GUILD) == (1, None, None)
    async with sessions() as session:
        await each_alone(session)
        await boards.keep(session, GUILD, 1, scores, clock())
    assert await _row(engine, GUILD) == (1, 1, [])


async def test_native_votes_read_back_and_a_removed_poll_move_the_board(
    engine: AsyncEngine, calendar: CalendarService, clock: FakeClock
) -> None:
    sessions = create_session_factory(engine)
    polls = PollService(sessions, clock, builtin_guild_defaults())
    results = PollResultService(sessions, clock, builtin_guild_defaults())
    native_votes = NativeVoteService(sessions, clock)
    standings = PollStandingService(sessions, clock)
    change = await calendar.add(GUILD, EDITOR, NewLaunch(device="Native", brand="B"))
    assert change.after is not None
    new = NewPoll(change.after.id, closes="2027-04-01 10:00", native=True)
    native = (await polls.create(GUILD, EDITOR, new)).view.poll.id
    # resolved before its votes were read back from Discord
    await results.resolve(GUILD, EDITOR, native, "Yes", LINK)
    assert shown(await standings.leaderboard(GUILD)) == []
    await native_votes.store(GUILD, native, {10: 0b01, 11: 0b10})
    assert shown(await standings.leaderboard(GUILD)) == [(0, 10, 1, 1), (0, 11, 1, 0)]

    await native_votes.discard(GUILD, EDITOR, native, "refused")
    assert shown(await standings.leaderboard(GUILD)) == []


async def test_members_asking_while_the_board_is_worked_out_wait_for_the_same_one(
    engine: AsyncEngine,
    calendar: CalendarService,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions = create_session_factory(engine)
    polls = PollService(sessions, clock, builtin_guild_defaults())
    results = PollResultService(sessions, clock, builtin_guild_defaults())
    standings = PollStandingService(sessions, clock, min_predictions=1)
    change = await calendar.add(GUILD, EDITOR, NewLaunch(device="P", brand="B"))
    assert change.after is not None
    new = NewPoll(change.after.id, closes="2027-04-01 10:00")
    poll = (await polls.create(GUILD, EDITOR, new)).view.poll.id
    await polls.vote(GUILD, poll, 10, 0)
    await results.resolve(GUILD, EDITOR, poll, "Yes", LINK)

    started, release = threading.Event(), threading.Event()
    worked_out: list[int] = []
    work_out = poll_standings._standings

    def held(votes: Sequence[ScoredVote]) -> list[MemberScore]:
        worked_out.append(len(votes))
        started.set()
        assert release.wait(60), "the test never let the working out finish"
        return work_out(votes)

    monkeypatch.setattr(poll_standings, "ON_A_THREAD", 1)  # on a thread, so it can be held
    monkeypatch.setattr(poll_standings, "_standings", held)
    first = asyncio.create_task(standings.leaderboard(GUILD))
    await _until(started.is_set, "the first board being worked out")
    reads = []
    kept = boards.kept

    async def counted(session: AsyncSession, guild_id: int) -> boards.KeptBoard:
        found = await kept(session, guild_id)
        reads.append(found.scores)
        return found

    monkeypatch.setattr(boards, "kept", counted)
    others = [asyncio.create_task(standings.leaderboard(GUILD)) for _ in range(4)]
    stats = asyncio.create_task(standings.stats(GUILD, 10))
    await _until(lambda: len(reads) == 5, "the others to find the board not kept yet")
    assert reads == [None] * 5
    release.set()
    boards_seen = await asyncio.wait_for(asyncio.gather(first, *others), 60)
    assert worked_out == [1]
    assert {tuple(shown(b)) for b in boards_seen} == {((1, 10, 1, 1),)}
    assert (await asyncio.wait_for(stats, 60)).rank == 1
    assert shown(await standings.leaderboard(GUILD)) == [(1, 10, 1, 1)]
    assert worked_out == [1] and reads[-1] is not None  # read back as kept


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Waits (30 s at most) for a condition a thread or another task makes true."""
    try:
        async with asyncio.timeout(30):
            while True:
                if condition():
                    return
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"waited 30 s for {what}") from None
