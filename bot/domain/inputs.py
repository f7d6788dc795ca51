"""Inputs to the calendar: what a caller may set on a launch or a claim."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.vocabulary import (
    ClaimSubject,
    FeaturePresence,
    LaunchKind,
    LaunchStatus,
    SourceKind,
)


class Unset(enum.Enum):
    UNSET = "unset"


UNSET = Unset.UNSET
"""Marks a field an edit leaves alone (``None`` clears it)."""


@dataclass(frozen=True, slots=True)
class NewLaunch:
    device: str
    brand: str
    date: str | None = None
    timezone: str | None = None
    status: LaunchStatus = LaunchStatus.RUMORED
    region: str = "Global"
    kind: LaunchKind = LaunchKind.ANNOUNCEMENT
    confidence: int | None = None
    livestream_url: str | None = None
    partner: str | None = None
    note: str | None = None
    aliases: tuple[str, ...] = ()
    series: bool = False


@dataclass(frozen=True, slots=True)
class LaunchEdit:
    date: str | Unset | None = UNSET
    timezone: str | Unset = UNSET
    region: str | Unset = UNSET
    kind: LaunchKind | Unset = UNSET
    confidence: int | Unset | None = UNSET
    livestream_url: str | Unset | None = UNSET
    partner: str | Unset | None = UNSET
    note: str | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class NewClaim:
    """A dated statement about a launch's date (``date``) or a feature (``feature``)."""

    subject: ClaimSubject
    source_kind: SourceKind
    date: str | None = None
    timezone: str | None = None
    feature: str | None = None
    present: FeaturePresence | None = None
    statement: str | None = None
    source_url: str | None = None
    author: str | None = None
    seen_at: datetime | None = None
    confidence: int | None = None


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What an admin changes in the server's settings; ``UNSET`` fields stay as they are."""

    announce_channel_id: int | Unset | None = UNSET
    ping_role_id: int | Unset | None = UNSET
    editor_role_id: int | Unset | None = UNSET
    timezone: str | Unset = UNSET
    reminder_offsets: str | Unset = UNSET
    digest_day: str | Unset = UNSET
    digest_time: str | Unset = UNSET
    change_notices: bool | Unset = UNSET
    scheduled_events: bool | Unset = UNSET
    ping_statuses: str | Unset = UNSET

    def is_empty(self) -> bool:
        return self == SettingsChange()
