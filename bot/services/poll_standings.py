"""The server's poll leaderboard and one member's record. The board is worked out from the votes
and the current outcomes of its resolved polls (the scoring is pure:
``bot/domain/poll_scoring.py``; a big server's on a thread, so the bot keeps answering
meanwhile) and kept in the database (``bot/db/poll_board_rows.py``) until a resolution, a
correction or a removal moves it: each bumps the server's generation in its own transaction, so
a corrected outcome corrects every score at once, in every process, across restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import poll_board_rows as boards
from bot.db import poll_score_rows as rows
from bot.db.engine import each_alone, reading
from bot.domain.clock import Clock
from bot.domain.poll_scoring import (
    MIN_PREDICTIONS,
    RECENT_PREDICTIONS,
    Leaderboard,
    MemberScore,
    MemberStats,
    Prediction,
    ResolvedPrediction,
    board_of,
    member_stats,
    standings,
)

ON_A_THREAD = 5_000
"""Votes from which the scoring runs on a thread (about 10 ms of work on the event loop)."""


@cache
def _positions(mask: int, count: int) -> frozenset[int]:
    """Answer positions from a bitmask (few distinct ones: 2**10 at most per poll shape)."""
    return frozenset(i for i in range(count) if mask >> i & 1)


def _prediction(
    user: int, poll: int, count: int, choices: int, sure: int | None, multiple: bool, outcome: int
) -> Prediction:
    return Prediction(
        user, poll, count, _positions(choices, count), sure, multiple, _positions(outcome, count)
    )


def _standings(votes: Sequence[rows.ScoredVote]) -> list[MemberScore]:
    return standings(_prediction(*vote) for vote in votes)


class PollStandingService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        min_predictions: int = MIN_PREDICTIONS,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._min = min_predictions
        self._working: dict[tuple[int, int], asyncio.Task[list[MemberScore]]] = {}
        """Boards being worked out in this process, by server and generation: the members who
        ask meanwhile (everyone, right after an outcome is posted) wait for the same one."""

    async def leaderboard(self, guild_id: int) -> Leaderboard:
        return board_of(await self._standings(guild_id), self._min)

    async def stats(self, guild_id: int, user_id: int) -> MemberStats:
        """The member's place and record, and their latest resolved predictions."""
        async with reading(self._sessions) as session:
            board = await boards.kept(session, guild_id)
            votes = await self._votes_if_needed(session, guild_id, board)
            latest = await rows.latest_of(session, guild_id, user_id, RECENT_PREDICTIONS)
        recent = [
            ResolvedPrediction(
                _prediction(user_id, poll, count, choices, sure, multiple, outcome),
                question,
                answers,
                resolved_at,
            )
            for poll, count, choices, sure, multiple, outcome, question, answers, resolved_at in (
                latest
            )
        ]
        scores = await self._scores(guild_id, board, votes)
        return member_stats(board_of(scores, self._min), user_id, recent)

    async def _standings(self, guild_id: int) -> list[MemberScore]:
        async with reading(self._sessions) as session:
            board = await boards.kept(session, guild_id)
            votes = await self._votes_if_needed(session, guild_id, board)
        return await self._scores(guild_id, board, votes)

    async def _votes_if_needed(
        self, session: AsyncSession, guild_id: int, board: boards.KeptBoard
    ) -> Sequence[rows.ScoredVote] | None:
        """The votes (read after the generation), unless the board is kept or being worked out."""
        if board.scores is not None or (guild_id, board.generation) in self._working:
            return None
        return await rows.resolved_votes(session, guild_id)

    async def _scores(
        self, guild_id: int, board: boards.KeptBoard, votes: Sequence[rows.ScoredVote] | None
    ) -> list[MemberScore]:
        if board.scores is not None:
            return board.scores
        key = (guild_id, board.generation)
        working = self._working.get(key)
        if working is None:
            if votes is None:  # worked out (and kept, unless a change came) since it was asked
                return await self._standings(guild_id)
            working = asyncio.create_task(self._work_out(guild_id, board.generation, votes))
            self._working[key] = working
            working.add_done_callback(lambda _: self._working.pop(key, None))
        return await asyncio.shield(working)

    async def _work_out(
        self, guild_id: int, generation: int, votes: Sequence[rows.ScoredVote]
    ) -> list[MemberScore]:
        """The board from ``votes``, kept for the next call unless a change came meanwhile."""
        if len(votes) >= ON_A_THREAD:
            scores = await asyncio.to_thread(_standings, votes)
        else:
            scores = _standings(votes)
        async with self._sessions() as session:
            await each_alone(session, member_waits=True)
            await boards.keep(session, guild_id, generation, scores, self._clock())
        return scores
