"""What a catalog import works on in memory: the rows it read, the rows it will write.

A row the import creates has no id until ids are reserved, just before the rows are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.domain.catalog_prepare import ClaimKey, PreparedClaim
from bot.domain.dates import DateWindow
from bot.domain.records import LaunchRecord
from bot.domain.snapshots import launch_snapshot
from bot.domain.vocabulary import LaunchKind, LaunchStatus

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(eq=False, slots=True)
class PlannedBrand:
    id: int | None
    name: str
    key: str


@dataclass(eq=False, slots=True)
class PlannedDevice:
    id: int | None
    name: str
    key: str
    brand: PlannedBrand
    is_series: bool


@dataclass(eq=False, slots=True)
class PlannedAlias:
    device: PlannedDevice
    alias: str
    key: str
    id: int | None = None


@dataclass(eq=False, slots=True)
class PlannedClaim:
    id: int | None
    launch: PlannedLaunch
    order: tuple[Any, ...]
    """(seen_at, 0, id) when stored, (seen_at, 1, sequence) when new: the calendar's order."""
    stored: int | None = None
    """A stored claim's superseded_by_id as read."""
    pointer: PlannedClaim | None = None
    """What the claim is superseded by after the import (stored claims: when ``moved``)."""
    moved: bool = False
    prepared: PreparedClaim | None = None
    window: DateWindow | None = None
    snapshot: dict[str, Any] | None = None


@dataclass(eq=False, slots=True)
class PlannedLaunch:
    id: int | None
    device: PlannedDevice
    region: str
    region_key: str
    kind: LaunchKind
    status: LaunchStatus
    window: DateWindow | None
    timezone: str
    confidence: int | None
    livestream_url: str | None
    partner: str | None
    note: str | None
    subjects: dict[tuple[Any, ...], list[PlannedClaim]] = field(default_factory=dict)
    """Its claims by subject: the date, or one feature (by key)."""
    keys: set[ClaimKey] = field(default_factory=set)

    def snapshot(self) -> dict[str, Any] | None:
        # only the fields of the audit snapshot matter; the others are placeholders
        return launch_snapshot(
            LaunchRecord(
                id=0, guild_id=0, device_id=0, device=self.device.name,
                brand=self.device.brand.name, is_series=False, aliases=(), region=self.region,
                kind=self.kind, status=self.status, window=self.window, timezone=self.timezone,
                confidence=self.confidence, livestream_url=self.livestream_url,
                partner=self.partner, note=self.note, created_at=_EPOCH, updated_at=_EPOCH,
            )
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlannedAudit:
    entity: str
    target: PlannedLaunch | PlannedClaim
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(slots=True)
class Chunk:
    """What the entries of one chunk create and change, in the order the calendar would."""

    entries: int = 0
    brands: list[PlannedBrand] = field(default_factory=list)
    devices: list[PlannedDevice] = field(default_factory=list)
    series: list[PlannedDevice] = field(default_factory=list)
    aliases: list[PlannedAlias] = field(default_factory=list)
    launches: list[PlannedLaunch] = field(default_factory=list)
    changed: list[PlannedLaunch] = field(default_factory=list)
    claims: list[PlannedClaim] = field(default_factory=list)
    audits: list[PlannedAudit] = field(default_factory=list)
