"""Planning weekly digests in the database: planning twice plans nothing new, a day that had its
digest gets none again, and the check at start finds every server missing its next digest with
two statements however many servers there are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_session_factory
from bot.db.models import Post
from bot.domain.guild_settings import GuildDefaults
from bot.domain.inputs import SettingsChange
from bot.domain.records import Actor
from bot.services.digests import DigestService
from bot.services.settings import SettingsService
from tests.support.clock import FakeClock

ADMIN = Actor(9, "admin")
SATURDAY = datetime(2027, 3, 20, 12, tzinfo=UTC)
MONDAY = datetime(2027, 3, 22, 8, tzinfo=UTC)  # 09:00 in Berlin
DEFAULTS = GuildDefaults.from_strings("Europe/Berlin", "1d", "mon", "09:00")


@pytest.fixture
def services(engine: AsyncEngine) -> tuple[SettingsService, DigestService, FakeClock]:
    clock = FakeClock(SATURDAY)
    sessions = create_session_factory(engine)
    return (
        SettingsService(sessions, clock, DEFAULTS),
        DigestService(sessions, clock, DEFAULTS),
        clock,
    )


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement.split()[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", on_statement)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", on_statement)


async def _rows(engine: AsyncEngine) -> list[tuple[int, str, str, datetime]]:
    async with engine.connect() as conn:
        found = await conn.execute(
            select(Post.guild_id, Post.key, Post.state, Post.due_at).order_by(
                Post.guild_id, Post.key
            )
        )
        return [(g, k, str(getattr(s, "value", s)), d) for g, k, s, d in found]


async def test_an_announce_channel_plans_the_digest_and_planning_again_plans_nothing_new(
    services: tuple[SettingsService, DigestService, FakeClock], engine: AsyncEngine
) -> None:
    settings, digests, _ = services
    await settings.update(1, ADMIN, SettingsChange(ping_role_id=5))
    assert await _rows(engine) == []  # no announce channel, no digest
    await settings.update(1, ADMIN, SettingsChange(announce_channel_id=7))
    planned = [(1, "digest:20270322", "pending", MONDAY)]
    assert await _rows(engine) == planned
    await digests.plan_next(1)
    assert await digests.plan_missing() is None
    await settings.update(1, ADMIN, SettingsChange(announce_channel_id=8, reminder_offsets="2d"))
    assert await _rows(engine) == planned
    await settings.update(1, ADMIN, SettingsChange(announce_channel_id=None))
    assert await _rows(engine) == [(1, "digest:20270322", "cancelled", MONDAY)]


async def test_a_time_moved_later_on_a_day_that_had_its_digest_plans_next_weeks(
    services: tuple[SettingsService, DigestService, FakeClock], engine: AsyncEngine
) -> None:
    settings, _, clock = services
    await settings.update(1, ADMIN, SettingsChange(announce_channel_id=7))
    async with engine.begin() as conn:  # the 09:00 digest went out
        await conn.execute(update(Post).values(state="sent"))
    clock.now = MONDAY.replace(minute=30)
    await settings.update(1, ADMIN, SettingsChange(digest_time="12:00"))
    assert await _rows(engine) == [
        (1, "digest:20270322", "sent", MONDAY),
        (1, "digest:20270329", "pending", datetime(2027, 3, 29, 10, tzinfo=UTC)),
    ]


async def test_the_check_plans_every_server_missing_its_digest_in_two_statements(
    services: tuple[SettingsService, DigestService, FakeClock],
    engine: AsyncEngine,
    statements: list[str],
) -> None:
    settings, digests, clock = services
    for guild in range(1, 41):
        await settings.update(guild, ADMIN, SettingsChange(announce_channel_id=guild))
    await settings.update(41, ADMIN, SettingsChange(announce_channel_id=41, digest_day="off"))
    clock.now = MONDAY.replace(hour=15)  # the bot was down past every Monday digest
    statements.clear()
    assert await digests.plan_missing() == datetime(2027, 3, 29, 7, tzinfo=UTC)
    assert statements == ["SELECT", "INSERT"]
    rows = await _rows(engine)
    assert [r for r in rows if r[1] == "digest:20270329"] == [
        (guild, "digest:20270329", "pending", datetime(2027, 3, 29, 7, tzinfo=UTC))
        for guild in range(1, 41)
    ]
    assert not [r for r in rows if r[0] == 41]
    statements.clear()
    assert await digests.plan_missing() is None
    assert statements == ["SELECT"]
