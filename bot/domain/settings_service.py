"""Reading and changing a server's settings; every change is validated and audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import GuildSettings
from bot.domain import audit
from bot.domain.dates import canonical_zone_name
from bot.domain.errors import InvalidDate, InvalidInput
from bot.domain.guilds import (
    WEEKDAYS,
    GuildDefaults,
    GuildSettingsView,
    new_settings_row,
    settings_view,
)
from bot.domain.launch_fields import UNSET, Unset
from bot.domain.offsets import format_offsets, parse_offsets
from bot.domain.views import Actor

ZONE_EXAMPLES = "for example Europe/Berlin, America/New_York or Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class SettingsChange:
    announce_channel_id: int | Unset | None = UNSET
    ping_role_id: int | Unset | None = UNSET
    editor_role_id: int | Unset | None = UNSET
    timezone: str | Unset = UNSET
    reminder_offsets: str | Unset = UNSET
    digest_day: str | Unset = UNSET
    digest_time: str | Unset = UNSET
    change_notices: bool | Unset = UNSET
    scheduled_events: bool | Unset = UNSET

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not UNSET
        }


def iana_zone(name: str) -> str:
    """A named zone (it follows daylight saving), spelled as the zone database spells it."""
    text = name.strip()
    try:
        zone = canonical_zone_name(text)
    except InvalidDate:
        raise InvalidInput(
            f'"{text[:40]}" is not a time zone name: use one {ZONE_EXAMPLES}.'
        ) from None
    if zone.startswith(("UTC+", "UTC-")):
        raise InvalidInput(
            f'"{text[:40]}" is a fixed offset, which ignores daylight saving: use a zone name '
            f"{ZONE_EXAMPLES}."
        )
    return zone


def weekday(text: str) -> int | None:
    value = text.strip().lower()
    if value == "off":
        return None
    for index, name in enumerate(WEEKDAYS):
        if value[:3] == name and len(value) >= 3:
            return index
    raise InvalidInput(f'"{text[:20]}" is not a day: use mon, tue, wed, thu, fri, sat, sun or off.')


def clock_time(text: str) -> str:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if match is None:
        raise InvalidInput(f'"{text[:20]}" is not a time: use 24-hour HH:MM, e.g. 09:00.')
    return f"{int(match[1]):02d}:{match[2]}"


def _snapshot(view: GuildSettingsView) -> dict[str, Any]:
    return {
        "announce_channel_id": view.announce_channel_id,
        "ping_role_id": view.ping_role_id,
        "editor_role_id": view.editor_role_id,
        "timezone": view.timezone,
        "reminder_offsets": format_offsets(list(view.reminder_offsets)),
        "digest": "off"
        if view.digest_weekday is None
        else f"{WEEKDAYS[view.digest_weekday]} {view.digest_time}",
        "change_notices": view.change_notices,
        "scheduled_events": view.scheduled_events,
    }


class SettingsService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        defaults: GuildDefaults | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._defaults = defaults or GuildDefaults()

    async def get(self, guild_id: int) -> GuildSettingsView:
        async with self._sessions() as session:
            return settings_view(
                await session.get(GuildSettings, guild_id), guild_id, self._defaults
            )

    async def warn_once_about_events(self, guild_id: int) -> bool:
        """True the first time only: the caller should then tell the server, once."""
        async with self._sessions() as session, session.begin():
            row = await session.get(GuildSettings, guild_id)
            if row is None:
                row = new_settings_row(guild_id, self._defaults, self._clock())
                session.add(row)
            if row.events_permission_warned:
                return False
            row.events_permission_warned = True
            return True

    async def update(
        self, guild_id: int, actor: Actor, change: SettingsChange
    ) -> GuildSettingsView:
        values = change.given()
        if not values:
            raise InvalidInput("Nothing to change: give at least one setting.")
        now = self._clock()
        async with self._sessions() as session, session.begin():
            row = await session.get(GuildSettings, guild_id)
            if row is None:
                row = new_settings_row(guild_id, self._defaults, now)
                session.add(row)
            before = settings_view(row, guild_id, self._defaults)
            _apply(row, values)
            row.updated_at = now
            await session.flush()
            after = settings_view(row, guild_id, self._defaults)
            audit.record(
                session,
                guild_id=guild_id,
                actor=actor,
                at=now,
                entity="settings",
                entity_id=None,
                action="edit",
                before=_snapshot(before),
                after=_snapshot(after),
            )
            return after


def _apply(row: GuildSettings, values: dict[str, Any]) -> None:
    for name in ("announce_channel_id", "ping_role_id", "editor_role_id"):
        if name in values:
            setattr(row, name, values[name])
    if "timezone" in values:
        row.timezone = iana_zone(values["timezone"])
    if "reminder_offsets" in values:
        row.reminder_offsets = [
            int(o.total_seconds() // 60) for o in parse_offsets(values["reminder_offsets"])
        ]
    if "digest_day" in values:
        row.digest_weekday = weekday(values["digest_day"])
    if "digest_time" in values:
        row.digest_time = clock_time(values["digest_time"])
    for name in ("change_notices", "scheduled_events"):
        if name in values:
            setattr(row, name, bool(values[name]))
