"""Claiming due posts: the earliest first, at most a few of one server, none of a server whose
earlier posts the dispatcher still holds, and posts whose lease ran out taken up again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import due_post_rows, planned_post_rows, post_claim_rows
from bot.db.engine import create_session_factory
from bot.db.models import Post
from bot.domain.records import PostPlan
from bot.domain.vocabulary import PostState

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def _plan(n: int, due: datetime) -> PostPlan:
    return PostPlan(key=f"p{n}", target="channel", kind="launch", due_at=due,
                    expires_at=due + timedelta(hours=1), launch_id=None)  # fmt: skip


async def _seed(engine: AsyncEngine) -> None:
    """Servers 1 and 2 have six due posts each, server 3 one due later and one not yet due."""
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        for guild in (1, 2):
            plans = [_plan(n, NOW - timedelta(minutes=10 - n)) for n in range(6)]
            await planned_post_rows.insert(session, guild, "test", plans, NOW)
        later = [_plan(0, NOW - timedelta(seconds=1)), _plan(1, NOW + timedelta(minutes=1))]
        await planned_post_rows.insert(session, 3, "test", later, NOW)


async def _claim(
    engine: AsyncEngine, now: datetime, busy: Sequence[int] = (), per_guild: int | None = None
) -> list[tuple[int, str]]:
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        posts = await post_claim_rows.claim_due(
            session, now, LEASE, 100, None, busy=busy, per_guild=per_guild
        )
    return [(p.guild_id, p.key) for p in posts]


async def test_a_claim_takes_at_most_a_few_of_each_server_and_skips_busy_ones(
    engine: AsyncEngine,
) -> None:
    await _seed(engine)
    first = await _claim(engine, NOW, busy=[2], per_guild=5)
    assert first == [(1, "p0"), (1, "p1"), (1, "p2"), (1, "p3"), (1, "p4"), (3, "p0")]
    second = await _claim(engine, NOW, busy=[1], per_guild=5)
    assert second == [(2, "p0"), (2, "p1"), (2, "p2"), (2, "p3"), (2, "p4")]
    rest = await _claim(engine, NOW)
    assert sorted(rest) == [(1, "p5"), (2, "p5")]
    assert await _claim(engine, NOW) == []


async def test_posts_whose_lease_ran_out_are_claimed_again_and_the_next_due_is_found(
    engine: AsyncEngine,
) -> None:
    await _seed(engine)
    claimed = await _claim(engine, NOW, per_guild=1)
    assert claimed == [(1, "p0"), (2, "p0"), (3, "p0")]
    sessions = create_session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(update(Post).where(Post.key != "p0").values(state=PostState.SENT))
    assert await _claim(engine, NOW + LEASE - timedelta(seconds=1)) == []
    again = await _claim(engine, NOW + LEASE, per_guild=5)
    assert sorted(again) == [(1, "p0"), (2, "p0"), (3, "p0")]
    async with sessions() as session:
        assert await due_post_rows.earliest_due(session) == NOW + LEASE + LEASE
        assert await due_post_rows.earliest_due(session, NOW + 2 * LEASE) is None


async def test_a_claim_reads_the_due_posts_through_their_own_index(engine: AsyncEngine) -> None:
    """Not through the (guild, state, due) index, in the order the ranking by server wants: that
    one covers every post ever sent, and reading it whole took 50 ms per claim on SQLite with a
    quarter of a million posts (benchmarks/interactions_at_scale.py)."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        await _claim(engine, NOW, busy=[2], per_guild=5)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
    statement, parameters = next((s, p) for s, p in sent if "UPDATE posts" in s)
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = [str(row[-1]) for row in found]
            assert not [step for step in plan if step.startswith("SCAN posts")], plan
        else:  # on a table this small PostgreSQL would read it all anyway: can it use the index?
            await conn.execute(text("SET LOCAL enable_seqscan = off"))
            found = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            plan = [str(row[0]) for row in found]
    assert any("ix_posts_pending_due" in step for step in plan), plan
