"""Server settings: defaults, validated changes, audit, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_session_factory
from bot.db.models import AuditEntry, GuildSettings
from bot.domain.errors import InvalidInput
from bot.domain.guild_settings import GuildDefaults
from bot.domain.inputs import SettingsChange
from bot.domain.records import Actor
from bot.services.settings import SettingsService
from tests.support.clock import FakeClock

ADMIN = Actor(9, "admin")


@pytest.fixture
def service(engine: AsyncEngine, clock: FakeClock) -> SettingsService:
    defaults = GuildDefaults.from_strings("Europe/Berlin", "2d, 3h", "fri", "18:00")
    return SettingsService(create_session_factory(engine), clock, defaults)


async def test_unset_server_gets_deployment_defaults(service: SettingsService) -> None:
    view = await service.get(1)
    assert view.timezone == "Europe/Berlin"
    assert view.reminder_offsets == (timedelta(days=2), timedelta(hours=3))
    assert (view.digest_weekday, view.digest_time) == (4, "18:00")
    assert view.announce_channel_id is None and view.change_notices


async def test_update_validates_saves_and_audits(
    service: SettingsService, engine: AsyncEngine
) -> None:
    view = await service.update(
        1,
        ADMIN,
        SettingsChange(
            announce_channel_id=555,
            timezone="Asia/Shanghai",
            reminder_offsets="1h, 1d, 1h",
            digest_day="Sunday",
            digest_time="9:05",
            change_notices=False,
        ),
    )
    assert view.announce_channel_id == 555 and view.timezone == "Asia/Shanghai"
    assert view.reminder_offsets == (timedelta(days=1), timedelta(hours=1))
    assert (view.digest_weekday, view.digest_time, view.change_notices) == (6, "09:05", False)
    assert (await service.get(1)) == view
    assert (await service.get(2)).timezone == "Europe/Berlin"
    async with engine.connect() as conn:
        entry = (await conn.execute(select(AuditEntry))).one()
    assert entry.entity == "settings" and entry.guild_id == 1
    assert (
        entry.before["timezone"] == "Europe/Berlin" and entry.after["timezone"] == "Asia/Shanghai"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (SettingsChange(timezone="CEST"), "time zone"),
        (SettingsChange(timezone="Mars/Base"), "time zone"),
        (SettingsChange(reminder_offsets="7x"), "d, h, m"),
        (SettingsChange(reminder_offsets="0m"), "more than 0"),
        (SettingsChange(digest_day="someday"), "mon, tue"),
        (SettingsChange(digest_time="25:61"), "HH:MM"),
        (SettingsChange(), "Nothing to change"),
    ],
)
async def test_bad_values_are_refused_and_nothing_is_written(
    service: SettingsService, engine: AsyncEngine, change: SettingsChange, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        await service.update(1, ADMIN, change)
    async with engine.connect() as conn:
        assert (await conn.execute(select(GuildSettings))).first() is None
        assert (await conn.execute(select(AuditEntry))).first() is None


async def test_events_warning_is_given_once_per_server(service: SettingsService) -> None:
    assert await service.warn_once_about_events(1) is True
    assert await service.warn_once_about_events(1) is False
    assert await service.warn_once_about_events(2) is True
