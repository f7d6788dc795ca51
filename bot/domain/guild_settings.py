"""A server's settings as plain values, the deployment's defaults, and the rules for each value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.domain.errors import InvalidDate, InvalidInput
from bot.domain.offsets import format_offsets, parse_offsets
from bot.domain.vocabulary import LaunchStatus
from bot.domain.zones import canonical_zone_name

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_PING_STATUSES = (LaunchStatus.CONFIRMED,)
ZONE_EXAMPLES = "for example Europe/Berlin, America/New_York or Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class GuildDefaults:
    """What a server that changed nothing gets; built from the deployment's configuration."""

    timezone: str
    reminder_offsets: tuple[timedelta, ...]
    digest_weekday: int | None
    digest_time: str

    @classmethod
    def from_strings(
        cls, timezone: str, offsets: str, digest_day: str, digest_time: str
    ) -> GuildDefaults:
        return cls(
            iana_zone(timezone), tuple(parse_offsets(offsets)), weekday(digest_day),
            clock_time(digest_time),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class GuildSettingsRecord:
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
    ping_statuses: tuple[LaunchStatus, ...] = DEFAULT_PING_STATUSES

    @classmethod
    def defaults_for(cls, guild_id: int, defaults: GuildDefaults) -> GuildSettingsRecord:
        return cls(
            guild_id=guild_id,
            timezone=defaults.timezone,
            reminder_offsets=defaults.reminder_offsets,
            digest_weekday=defaults.digest_weekday,
            digest_time=defaults.digest_time,
        )


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


def ping_statuses(text: str) -> tuple[LaunchStatus, ...]:
    """Which statuses ping the server's role in reminders: "confirmed, teased", or "none"."""
    parts = [p.strip().lower() for p in text.replace(" ", ",").split(",") if p.strip()]
    if parts == ["none"]:
        return ()
    known = {s.value: s for s in LaunchStatus}
    unknown = [p for p in parts if p not in known]
    if unknown or not parts:
        names = ", ".join(known)
        shown = unknown[0][:20] if unknown else text[:20]
        raise InvalidInput(f'"{shown}" is not a status: use some of {names}, or none.')
    return tuple(s for s in LaunchStatus if s.value in parts)


def format_statuses(statuses: tuple[LaunchStatus, ...]) -> str:
    return ", ".join(s.value for s in statuses) or "none"


def offset_minutes(offsets: tuple[timedelta, ...] | list[timedelta]) -> list[int]:
    return [int(o.total_seconds() // 60) for o in offsets]


def settings_snapshot(record: GuildSettingsRecord) -> dict[str, Any]:
    """The settings as the audit log keeps them."""
    return {
        "announce_channel_id": record.announce_channel_id,
        "ping_role_id": record.ping_role_id,
        "editor_role_id": record.editor_role_id,
        "timezone": record.timezone,
        "reminder_offsets": format_offsets(list(record.reminder_offsets)),
        "digest": "off"
        if record.digest_weekday is None
        else f"{WEEKDAYS[record.digest_weekday]} {record.digest_time}",
        "ping_statuses": format_statuses(record.ping_statuses),
        "change_notices": record.change_notices,
        "scheduled_events": record.scheduled_events,
    }
