"""A sent post's outcome in as few round trips as it needs: the first post to a channel records
its outcome and frees the causes told about the channel in one transaction; the posts after it
are one statement in no transaction (PostgreSQL in autocommit, SQLite with no BEGIN)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db import planned_post_rows
from bot.db.engine import create_session_factory
from bot.db.models import Post
from bot.domain.clock import utc_now
from bot.domain.records import PostPlan
from bot.domain.vocabulary import PostState
from bot.services.deliveries import DeliveryService

GUILD, CHANNEL = 1, 10


async def test_a_sent_posts_outcome_is_one_statement_once_its_channel_is_known(
    engine: AsyncEngine,
) -> None:
    sessions = create_session_factory(engine)
    now = utc_now()
    plans = [
        PostPlan(
            key=f"p{n}",
            target="channel",
            kind="launch",
            due_at=now - timedelta(minutes=5),
            expires_at=now + timedelta(hours=1),
            launch_id=None,
        )
        for n in range(2)
    ]
    async with sessions() as session, session.begin():
        await planned_post_rows.insert(session, GUILD, "test", plans, now)
    service = DeliveryService(sessions, utc_now, builtin_guild_defaults())
    first, second = await service.claim(timedelta(minutes=2), 10)

    seen: list[tuple[str, Any]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(
            (statement.split()[0].upper(), conn.get_execution_options().get("isolation_level"))
        )

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await service.finish(first, PostState.SENT, channel_id=CHANNEL, message_id=100)
        on_first, seen[:] = list(seen), []
        await service.finish(second, PostState.SENT, channel_id=CHANNEL, message_id=101)
        on_second = list(seen)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)

    if engine.dialect.name == "sqlite":
        assert on_first == [("BEGIN", None), ("UPDATE", None), ("UPDATE", None)]
        assert on_second == [("UPDATE", None)]
    else:
        assert on_first == [("UPDATE", None), ("UPDATE", None)]
        assert on_second == [("UPDATE", "AUTOCOMMIT")]
    async with sessions() as session:
        rows = (await session.execute(select(Post.key, Post.state, Post.message_id))).all()
    assert sorted(rows) == [("p0", PostState.SENT, 100), ("p1", PostState.SENT, 101)]
