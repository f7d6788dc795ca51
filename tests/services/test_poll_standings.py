"""Scores on each backend: the leaderboard is the pure scoring over the server's resolved polls'
votes and their current outcomes (a correction re-scores at once), other servers' polls and
unresolved ones count for nothing, and a big server's scoring on a thread gives the same board.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db.engine import create_session_factory
from bot.domain.inputs import NewLaunch
from bot.domain.poll_scoring import Leaderboard, Prediction, leaderboard
from bot.domain.polls import NewPoll
from bot.domain.records import Actor
from bot.services import poll_standings
from bot.services.calendar import CalendarService
from bot.services.poll_results import PollResultService
from bot.services.poll_standings import PollStandingService
from bot.services.polls import PollService
from tests.support.clock import FakeClock

GUILD, OTHER = 1, 2
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
EDITOR = Actor(5, "editor")
LINK = "https://x.test/evidence"
_NUMBERS = itertools.count(1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


async def _poll(
    calendar: CalendarService, polls: PollService, guild: int, **options: object
) -> int:
    device = f"Phone {next(_NUMBERS)}"
    change = await calendar.add(guild, EDITOR, NewLaunch(device=device, brand="B"))
    assert change.after is not None
    new = NewPoll(change.after.id, closes="2027-04-01 10:00", **options)  # type: ignore[arg-type]
    return (await polls.create(guild, EDITOR, new)).view.poll.id


async def test_the_board_is_the_scoring_of_the_current_outcomes_of_this_server_only(
    engine: AsyncEngine,
    calendar: CalendarService,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions = create_session_factory(engine)
    defaults = builtin_guild_defaults()
    polls = PollService(sessions, clock, defaults)
    results = PollResultService(sessions, clock, defaults)
    standings = PollStandingService(sessions, clock)
    sure = await _poll(calendar, polls, GUILD, confidence=True)
    cams = await _poll(calendar, polls, GUILD, answers="Leica | Zeiss | Sony", multiple=True)
    plain = await _poll(calendar, polls, GUILD)
    open_ = await _poll(calendar, polls, GUILD)
    foreign = await _poll(calendar, polls, OTHER)
    await polls.vote(GUILD, sure, 10, 0, 80)
    await polls.vote(GUILD, sure, 11, 1, 60)
    await polls.vote(GUILD, cams, 10, 0)
    await polls.vote(GUILD, cams, 10, 1)
    await polls.vote(GUILD, cams, 11, 0)
    await polls.vote(GUILD, cams, 12, 2)
    await polls.vote(GUILD, cams, 12, 2)  # took it back: no prediction
    for user, answer in ((10, 1), (11, 1), (12, 0)):
        await polls.vote(GUILD, plain, user, answer)
        await polls.vote(GUILD, open_, user, answer)
    await polls.vote(OTHER, foreign, 10, 0)
    await results.resolve(GUILD, EDITOR, sure, "Yes", LINK)
    await results.resolve(GUILD, EDITOR, cams, "Leica | Zeiss", LINK)
    await results.resolve(GUILD, EDITOR, plain, "No", LINK)
    await results.resolve(OTHER, EDITOR, foreign, "No", LINK)

    def shown(board: Leaderboard) -> list[tuple[int, int, int]]:
        """(rank, member, hits), the members not ranked yet as rank 0."""
        ranked = [(r.rank, r.score.user_id, r.score.hits) for r in board.ranked]
        return ranked + [(0, s.user_id, s.hits) for s in board.unranked]

    def expected(plain_outcome: int) -> list[tuple[int, int, int]]:
        predictions = [
            Prediction(10, sure, 2, frozenset({0}), 80, False, frozenset({0})),
            Prediction(11, sure, 2, frozenset({1}), 60, False, frozenset({0})),
            Prediction(10, cams, 3, frozenset({0, 1}), None, True, frozenset({0, 1})),
            Prediction(11, cams, 3, frozenset({0}), None, True, frozenset({0, 1})),
            Prediction(10, plain, 2, frozenset({1}), None, False, frozenset({plain_outcome})),
            Prediction(11, plain, 2, frozenset({1}), None, False, frozenset({plain_outcome})),
            Prediction(12, plain, 2, frozenset({0}), None, False, frozenset({plain_outcome})),
        ]
        return shown(leaderboard(predictions))

    board = await standings.leaderboard(GUILD)
    assert shown(board) == expected(1) == [(1, 10, 3), (2, 11, 1), (0, 12, 0)]
    await results.resolve(GUILD, EDITOR, plain, "Yes", LINK)  # a correction re-scores everyone
    assert (
        shown(await standings.leaderboard(GUILD))
        == expected(0)
        == [(1, 10, 2), (2, 11, 0), (0, 12, 1)]
    )
    monkeypatch.setattr(poll_standings, "ON_A_THREAD", 1)
    assert shown(await standings.leaderboard(GUILD)) == expected(0)
    assert shown(await standings.leaderboard(OTHER)) == [(0, 10, 0)]

    stats = await standings.stats(GUILD, 10)
    assert (stats.rank, stats.score and stats.score.predictions) == (1, 3)
    assert [r.prediction.poll_id for r in stats.recent] == [plain, cams, sure]
    assert [r.hit for r in stats.recent] == [False, True, True]
    assert (await standings.stats(GUILD, 99)).score is None
