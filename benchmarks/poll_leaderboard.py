"""/poll leaderboard and /poll stats against a real database, through ``PollStandingService``:
the first board after a resolution (the one statement that reads every vote on a server's
resolved polls, the pure scoring, on a thread from 5,000 votes, and the statement that keeps
the board), then the board read back as it was kept, for the leaderboard and a member's stats.
Also the longest the event loop went without running meanwhile (a ticker every 5 ms), which is
what other members' commands would wait.

Every member votes on every resolved poll (2 to 10 answers, a third multiple choice, half asking
confidence); a second server holds as many votes, which the queries must leave out.

    python -m benchmarks.poll_leaderboard [--backend sqlite|postgresql] [--polls 200]
        [--members 250] [--runs 5] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.common import BACKENDS, scratch_database
from bot.db import poll_board_rows as boards
from bot.db.engine import begin_write, create_engine, create_session_factory
from bot.db.models import Poll, PollVote
from bot.services.poll_standings import PollStandingService

GUILD, NOISE = 1, 2
T0 = datetime(2027, 3, 1, 12, tzinfo=UTC)


def _rows(
    guild: int, first_poll: int, polls: int, members: int, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    made_polls, votes = [], []
    for poll_id in range(first_poll, first_poll + polls):
        n = rng.randint(2, 10)
        multiple = rng.random() < 1 / 3
        sure = not multiple and rng.random() < 1 / 2

        def pick() -> int:
            chosen = rng.sample(range(n), rng.randint(1, n) if multiple else 1)  # noqa: B023
            return sum(1 << a for a in chosen)

        made_polls.append({
            "id": poll_id, "guild_id": guild, "question": f"Question {poll_id}?",
            "answers": [f"Answer {a}" for a in range(n)], "multiple": multiple,
            "confidence": sure, "hidden": False, "closes_at": T0, "closes_with_launch": False,
            "state": "resolved", "created_at": T0, "closed_at": T0, "outcome": pick(),
            "evidence_url": "https://x.test/e", "resolved_by": 1, "resolved_at": T0,
            "native": False,
        })  # fmt: skip
        for user in range(1, members + 1):
            votes.append({
                "poll_id": poll_id, "user_id": user, "guild_id": guild, "choices": pick(),
                "confidence": rng.randint(50, 100) if sure else None, "cast_at": T0,
                "updated_at": T0,
            })  # fmt: skip
    return made_polls, votes


async def _seed(url: str, polls: int, members: int) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for guild, first in ((GUILD, 1), (NOISE, polls + 1)):
                made_polls, votes = _rows(guild, first, polls, members, seed=guild)
                await conn.execute(insert(Poll), made_polls)
                for start in range(0, len(votes), 5000):
                    await conn.execute(insert(PollVote), votes[start : start + 5000])
    finally:
        await engine.dispose()


async def _stall_during(work: Any) -> tuple[Any, float, float]:
    """Runs ``work``; returns its result, its time and the longest gap between ticks."""
    gaps = [0.0]
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last - 0.005)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.02)
    started = time.perf_counter()
    result = await work
    took = time.perf_counter() - started
    done.set()
    await ticker
    return result, took, max(gaps)


async def _resolution(sessions: async_sessionmaker[AsyncSession]) -> None:
    """What a resolution does to the kept board: the next call works it out again."""
    async with sessions() as session, session.begin():
        await begin_write(session)
        await boards.bump(session, GUILD, T0)


async def run(backend: str, polls: int, members: int, runs: int, pg: str | None) -> None:
    async with scratch_database(backend, pg) as url:
        await _seed(url, polls, members)
        engine = create_engine(url)
        try:
            sessions = create_session_factory(engine)
            standings = PollStandingService(sessions, lambda: T0)
            worked, stalls, kept, kept_stalls, stats = [], [], [], [], []
            for _ in range(runs):
                await _resolution(sessions)
                board, took, stall = await _stall_during(standings.leaderboard(GUILD))
                worked.append(took)
                stalls.append(stall)
                _, took, stall = await _stall_during(standings.leaderboard(GUILD))
                kept.append(took)
                kept_stalls.append(stall)
                _, took, _ = await _stall_during(standings.stats(GUILD, 7))
                stats.append(took)
        finally:
            await engine.dispose()
    ranked = len(board.ranked)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.1f} ms"

    print(
        f"{backend}: {polls} resolved polls x {members} members = {polls * members:,} votes "
        f"(+ as many in another server), {ranked} ranked (medians of {runs}):\n"
        f"  first leaderboard after a resolution (worked out and kept) {ms(worked)}, "
        f"longest event-loop stall {ms(stalls)}\n"
        f"  leaderboard from the kept board {ms(kept)}, longest stall {ms(kept_stalls)}; "
        f"stats from the kept board {ms(stats)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--members", type=int, default=250)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.backend, args.polls, args.members, args.runs, args.pg))


if __name__ == "__main__":
    main()
