"""Guild settings rows, read as records (with the deployment's defaults for servers without one)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildSettings
from bot.domain.guild_settings import (
    DEFAULT_PING_STATUSES,
    GuildDefaults,
    GuildSettingsRecord,
    offset_minutes,
)
from bot.domain.vocabulary import LaunchStatus


def settings_record(
    row: GuildSettings | None, guild_id: int, defaults: GuildDefaults
) -> GuildSettingsRecord:
    if row is None:
        return GuildSettingsRecord.defaults_for(guild_id, defaults)
    return GuildSettingsRecord(
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
        ping_statuses=tuple(LaunchStatus(v) for v in row.ping_statuses),
    )


async def load_guild_settings(
    session: AsyncSession, guild_id: int, defaults: GuildDefaults
) -> GuildSettingsRecord:
    return settings_record(await session.get(GuildSettings, guild_id), guild_id, defaults)


def new_settings_row(guild_id: int, defaults: GuildDefaults, now: datetime) -> GuildSettings:
    return GuildSettings(
        guild_id=guild_id,
        timezone=defaults.timezone,
        reminder_offsets=offset_minutes(defaults.reminder_offsets),
        digest_weekday=defaults.digest_weekday,
        digest_time=defaults.digest_time,
        change_notices=True,
        scheduled_events=True,
        ping_statuses=[s.value for s in DEFAULT_PING_STATUSES],
        events_permission_warned=False,
        created_at=now,
        updated_at=now,
    )


async def mark_events_warned(
    session: AsyncSession, guild_id: int, defaults: GuildDefaults, now: datetime
) -> bool:
    """Records that the server was told about the missing events permission; True the first
    time only."""
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        row = new_settings_row(guild_id, defaults, now)
        session.add(row)
    if row.events_permission_warned:
        return False
    row.events_permission_warned = True
    await session.flush()
    return True
