"""The server's poll leaderboard and one member's record, worked out from the votes and the
current outcomes of its resolved polls every time they are asked for (nothing is stored per
member, so a corrected outcome corrects every score at once). The scoring itself is pure
(``bot/domain/poll_scoring.py``); a big server's is worked out on a thread, so the bot keeps
answering meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import poll_score_rows as rows
from bot.db.engine import reading
from bot.domain.poll_scoring import (
    MIN_PREDICTIONS,
    RECENT_PREDICTIONS,
    Leaderboard,
    MemberStats,
    Prediction,
    ResolvedPrediction,
    leaderboard,
    member_stats,
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


def _board(votes: Sequence[rows.ScoredVote], min_predictions: int) -> Leaderboard:
    return leaderboard((_prediction(*vote) for vote in votes), min_predictions)


class PollStandingService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], min_predictions: int = MIN_PREDICTIONS
    ) -> None:
        self._sessions = sessions
        self._min = min_predictions

    async def leaderboard(self, guild_id: int) -> Leaderboard:
        async with reading(self._sessions) as session:
            votes = await rows.resolved_votes(session, guild_id)
        return await self._scored(votes)

    async def stats(self, guild_id: int, user_id: int) -> MemberStats:
        """The member's place and record, and their latest resolved predictions."""
        async with reading(self._sessions) as session:
            votes = await rows.resolved_votes(session, guild_id)
            latest = await rows.latest_of(session, guild_id, user_id, RECENT_PREDICTIONS)
        board = await self._scored(votes)
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
        return member_stats(board, user_id, recent)

    async def _scored(self, votes: Sequence[rows.ScoredVote]) -> Leaderboard:
        if len(votes) >= ON_A_THREAD:
            return await asyncio.to_thread(_board, votes, self._min)
        return _board(votes, self._min)
