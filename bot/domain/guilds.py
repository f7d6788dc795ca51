"""Per-server settings with the deployment's defaults for servers that changed nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildSettings
from bot.domain.offsets import parse_offsets

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class GuildDefaults:
    timezone: str = "UTC"
    reminder_offsets: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=1))
    digest_weekday: int | None = 0
    digest_time: str = "09:00"

    @classmethod
    def from_strings(
        cls, timezone: str, offsets: str, digest_day: str, digest_time: str
    ) -> GuildDefaults:
        weekday = None if digest_day == "off" else WEEKDAYS.index(digest_day)
        return cls(timezone, tuple(parse_offsets(offsets)), weekday, digest_time)


@dataclass(frozen=True, slots=True)
class GuildSettingsView:
    guild_id: int
    timezone: str
    reminder_offsets: tuple[timedelta, ...]
    digest_weekday: int | None
    digest_time: str
    announce_channel_id: int | None = None
    ping_role_id: int | None = None
    editor_role_id: int | None = None
    change_notices: bool = True
    scheduled_events: bool = True


def settings_view(
    row: GuildSettings | None, guild_id: int, defaults: GuildDefaults
) -> GuildSettingsView:
    if row is None:
        return GuildSettingsView(
            guild_id=guild_id,
            timezone=defaults.timezone,
            reminder_offsets=defaults.reminder_offsets,
            digest_weekday=defaults.digest_weekday,
            digest_time=defaults.digest_time,
        )
    return GuildSettingsView(
        guild_id=row.guild_id,
        timezone=row.timezone,
        reminder_offsets=tuple(timedelta(minutes=m) for m in row.reminder_offsets),
        digest_weekday=row.digest_weekday,
        digest_time=row.digest_time,
        announce_channel_id=row.announce_channel_id,
        ping_role_id=row.ping_role_id,
        editor_role_id=row.editor_role_id,
        change_notices=row.change_notices,
        scheduled_events=row.scheduled_events,
    )


async def load_guild_settings(
    session: AsyncSession, guild_id: int, defaults: GuildDefaults
) -> GuildSettingsView:
    return settings_view(await session.get(GuildSettings, guild_id), guild_id, defaults)


def new_settings_row(guild_id: int, defaults: GuildDefaults, now: datetime) -> GuildSettings:
    return GuildSettings(
        guild_id=guild_id,
        timezone=defaults.timezone,
        reminder_offsets=[int(o.total_seconds() // 60) for o in defaults.reminder_offsets],
        digest_weekday=defaults.digest_weekday,
        digest_time=defaults.digest_time,
        change_notices=True,
        scheduled_events=True,
        events_permission_warned=False,
        created_at=now,
        updated_at=now,
    )
