"""Reading and changing a server's settings; every change is validated and audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import audit_rows as audit
from bot.db.engine import begin_write, reading
from bot.db.models import GuildSettings
from bot.db.settings_rows import mark_events_warned, new_settings_row, settings_record
from bot.domain.errors import InvalidInput
from bot.domain.guild_settings import (
    GuildDefaults,
    GuildSettingsRecord,
    clock_time,
    iana_zone,
    offset_minutes,
    ping_statuses,
    settings_snapshot,
    weekday,
)
from bot.domain.inputs import UNSET, SettingsChange
from bot.domain.offsets import parse_offsets
from bot.domain.records import Actor
from bot.services.digests import digest_changed, replan_digest
from bot.services.post_planning import replan_server


class SettingsService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        defaults: GuildDefaults,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._defaults = defaults

    async def get(self, guild_id: int) -> GuildSettingsRecord:
        async with reading(self._sessions) as session:
            return settings_record(
                await session.get(GuildSettings, guild_id), guild_id, self._defaults
            )

    async def warn_once_about_events(self, guild_id: int) -> bool:
        """True the first time only: the caller should then tell the server, once."""
        async with self._sessions() as session, session.begin():
            return await mark_events_warned(session, guild_id, self._defaults, self._clock())

    async def update(
        self, guild_id: int, actor: Actor, change: SettingsChange
    ) -> GuildSettingsRecord:
        if change.is_empty():
            raise InvalidInput("Nothing to change: give at least one setting.")
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await begin_write(session)  # on SQLite a read cannot become a write behind a writer
            row = await session.get(GuildSettings, guild_id)
            if row is None:
                row = new_settings_row(guild_id, self._defaults, now)
                session.add(row)
            before = settings_record(row, guild_id, self._defaults)
            _apply(row, change)
            row.updated_at = now
            await session.flush()
            after = settings_record(row, guild_id, self._defaults)
            plan_changed = (before.reminder_offsets, before.timezone) != (
                after.reminder_offsets,
                after.timezone,
            )
            if plan_changed:
                await replan_server(session, after, now)
            if digest_changed(before, after):
                await replan_digest(session, after, now)
            audit.record(
                session,
                guild_id=guild_id,
                actor=actor,
                at=now,
                entity="settings",
                entity_id=None,
                action="edit",
                before=settings_snapshot(before),
                after=settings_snapshot(after),
            )
            return after


def _apply(row: GuildSettings, change: SettingsChange) -> None:
    if change.announce_channel_id is not UNSET:
        row.announce_channel_id = change.announce_channel_id
    if change.ping_role_id is not UNSET:
        row.ping_role_id = change.ping_role_id
    if change.editor_role_id is not UNSET:
        row.editor_role_id = change.editor_role_id
    if change.timezone is not UNSET:
        row.timezone = iana_zone(change.timezone)
    if change.reminder_offsets is not UNSET:
        row.reminder_offsets = offset_minutes(parse_offsets(change.reminder_offsets))
    if change.digest_day is not UNSET:
        row.digest_weekday = weekday(change.digest_day)
    if change.digest_time is not UNSET:
        row.digest_time = clock_time(change.digest_time)
    if change.change_notices is not UNSET:
        row.change_notices = change.change_notices
    if change.ping_statuses is not UNSET:
        row.ping_statuses = [s.value for s in ping_statuses(change.ping_statuses)]
    if change.scheduled_events is not UNSET:
        row.scheduled_events = change.scheduled_events
