"""Read models returned by the domain: plain frozen data, safe to use after the session ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.dates import DateWindow
from bot.domain.vocabulary import (
    ClaimSubject,
    FeaturePresence,
    LaunchKind,
    LaunchStatus,
    SourceKind,
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a Discord user id and display name, or the command line."""

    id: int | None
    name: str

    @classmethod
    def cli(cls) -> Actor:
        return cls(None, "command line")


@dataclass(frozen=True, slots=True)
class LaunchRecord:
    id: int
    guild_id: int
    device_id: int
    device: str
    brand: str
    is_series: bool
    aliases: tuple[str, ...]
    region: str
    kind: LaunchKind
    status: LaunchStatus
    window: DateWindow | None
    timezone: str
    confidence: int | None
    livestream_url: str | None
    partner: str | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    event_id: int | None = None

    @property
    def title(self) -> str:
        return self.device if self.region == "Global" else f"{self.device} ({self.region})"


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    id: int
    launch_id: int
    subject: ClaimSubject
    window: DateWindow | None
    feature: str | None
    present: FeaturePresence | None
    statement: str | None
    source_url: str | None
    source_kind: SourceKind
    author: str | None
    seen_at: datetime
    superseded_by_id: int | None
    recorded_by: int | None
    confidence: int | None = None

    @property
    def superseded(self) -> bool:
        return self.superseded_by_id is not None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    entity: str
    entity_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class LaunchChange:
    """A launch before and after a change: ``before`` is None on add, ``after`` on remove."""

    before: LaunchRecord | None
    after: LaunchRecord | None

    @property
    def date_or_status_changed(self) -> bool:
        if self.before is None or self.after is None:
            return False
        return (self.before.window, self.before.status) != (self.after.window, self.after.status)


@dataclass(frozen=True, slots=True)
class History:
    launch: LaunchRecord
    claims: tuple[ClaimRecord, ...]
    audit: tuple[AuditRecord, ...]


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[LaunchRecord, ...]
    total: int
    offset: int
    limit: int
