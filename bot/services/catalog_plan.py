"""The catalog import worked out in memory, entry by entry, against the rows it read.

Each entry goes through what the calendar does for one launch (find or create the device and
its aliases, add the launch or edit it and force its status, record the claims it does not have
yet), on in-memory state instead of the database, so errors and outcomes are the same; the
result is the rows to insert and update. New rows get their ids later, when they are reserved.
"""

from __future__ import annotations

from datetime import datetime

from bot.db.catalog_rows import BrandRow, ClaimRow, DeviceRow, LaunchRow
from bot.domain.catalog_prepare import (
    Dates,
    PreparedClaim,
    PreparedEntry,
    claim_key,
    span,
)
from bot.domain.errors import CatalogError, DomainError, InvalidInput
from bot.domain.snapshots import claim_fields_snapshot
from bot.domain.text import name_key
from bot.domain.vocabulary import ClaimSubject, LaunchKind, LaunchStatus
from bot.services.catalog_state import (
    Chunk,
    PlannedAlias,
    PlannedAudit,
    PlannedBrand,
    PlannedClaim,
    PlannedDevice,
    PlannedLaunch,
)

CHUNK_ENTRIES = 1000
"""Entries written per round of INSERTs, between two progress reports."""


class Planner:
    def __init__(self, entries: list[PreparedEntry], now: datetime, dates: Dates) -> None:
        self.entries = entries
        self.now = now
        self.dates = dates
        self.chunks = [Chunk() for _ in range(0, len(entries), CHUNK_ENTRIES)]
        self.brands: dict[str, PlannedBrand] = {}
        self.by_name: dict[str, PlannedDevice] = {}
        self.by_alias: dict[str, PlannedDevice] = {}
        self.by_id: dict[int, PlannedDevice] = {}
        self.device_of: list[PlannedDevice] = []
        self.failure: CatalogError | None = None
        self.launches: dict[tuple[PlannedDevice, str, LaunchKind], PlannedLaunch] = {}
        self.by_launch_id: dict[int, PlannedLaunch] = {}
        self.changed: set[PlannedLaunch] = set()
        self.repointed: list[PlannedClaim] = []
        """Stored claims whose superseded_by_id the import changes."""
        self.outcomes = {"created": 0, "updated": 0, "unchanged": 0}
        self.claims_added = 0
        self._seq = 0

    def release(self) -> None:
        """Lets reference counting free the plan at once (a launch and its claims point at
        each other, which only the cycle collector, paused during an import, would undo)."""
        for launch in self.launches.values():
            launch.subjects.clear()

    def writes(self) -> bool:
        """Whether the import changes anything."""
        return bool(self.repointed) or any(
            c.brands or c.devices or c.series or c.aliases or c.launches or c.changed or c.claims
            for c in self.chunks
        )

    # what the database holds -----------------------------------------------------------------

    def know(
        self, brands: list[BrandRow], devices: list[DeviceRow], aliases: dict[str, int]
    ) -> None:
        by_id: dict[int, PlannedBrand] = {}
        for b in brands:
            if b.id not in by_id:
                by_id[b.id] = self.brands[b.key] = PlannedBrand(b.id, b.name, b.key)
        for d in devices:
            if d.id not in self.by_id:
                device = PlannedDevice(d.id, d.name, d.key, by_id[d.brand_id], d.is_series)
                self.by_id[d.id] = self.by_name[d.key] = device
        for key, device_id in aliases.items():
            self.by_alias[key] = self.by_id[device_id]

    def know_launches(self, rows: list[LaunchRow]) -> None:
        for r in rows:
            launch = PlannedLaunch(
                r.id, self.by_id[r.device_id], r.region, r.region_key, r.kind, r.status,
                r.window, r.timezone, r.confidence, r.livestream_url, r.partner, r.note,
            )  # fmt: skip
            self.launches[(launch.device, r.region_key, r.kind)] = launch

    def wanted_launches(self) -> list[int]:
        """Existing launches the entries (up to a failing one) are about: their claims count."""
        for p, device in zip(self.entries, self.device_of, strict=False):
            launch = self.launches.get((device, p.region_key, p.new.kind))
            if launch is not None and launch.id is not None:
                self.by_launch_id[launch.id] = launch
        return list(self.by_launch_id)

    def know_claims(self, rows: list[ClaimRow]) -> None:
        for r in rows:
            launch = self.by_launch_id[r.launch_id]
            claim = PlannedClaim(r.id, launch, (r.seen_at, 0, r.id), r.superseded_by_id)
            if r.subject is ClaimSubject.DATE:
                launch.subjects.setdefault((r.subject,), []).append(claim)
            elif r.feature is not None:
                launch.subjects.setdefault((r.subject, name_key(r.feature)), []).append(claim)
            launch.keys.add(
                claim_key(r.subject, r.window, name_key(r.feature) if r.feature else None,
                          r.present, r.source_url, r.author, r.seen_at)
            )  # fmt: skip

    # devices first: they decide which existing launches the entries are about -----------------

    def resolve_devices(self) -> None:
        """Finds or creates each entry's device; stops at the first entry that fails."""
        for p in self.entries:
            try:
                self.device_of.append(self._device(p, self.chunks[p.index // CHUNK_ENTRIES]))
            except DomainError as exc:
                self.failure = CatalogError(f"{p.label}: {exc}")
                return

    def _device(self, p: PreparedEntry, chunk: Chunk) -> PlannedDevice:
        device = self.by_name.get(p.device_key) or self.by_alias.get(p.device_key)
        if device is None:
            brand = self.brands.get(p.brand_key)
            if brand is None:
                brand = self.brands[p.brand_key] = PlannedBrand(None, p.brand, p.brand_key)
                chunk.brands.append(brand)
            device = PlannedDevice(None, p.device, p.device_key, brand, p.new.series)
            self.by_name[p.device_key] = device
            chunk.devices.append(device)
        else:
            if device.brand.key != p.brand_key:
                raise InvalidInput(
                    f"{device.name} is already recorded under the brand {device.brand.name}, "
                    f"not {p.brand}."
                )
            if p.new.series and not device.is_series:
                device.is_series = True
                if device.id is not None:
                    chunk.series.append(device)
        for clean, key in p.aliases:
            if key == device.key:
                continue
            owner = self.by_name.get(key) or self.by_alias.get(key)
            if owner is not None and owner is not device:
                raise InvalidInput(f'"{clean}" already names another device, {owner.name}.')
            if owner is None:
                self.by_alias[key] = device
                chunk.aliases.append(PlannedAlias(device, clean, key))
        return device

    # then launches and claims ------------------------------------------------------------------

    def plan_launches(self, server_zone: str) -> None:
        for p, device in zip(self.entries, self.device_of, strict=False):
            chunk = self.chunks[p.index // CHUNK_ENTRIES]
            chunk.entries += 1
            try:
                launch = self.launches.get((device, p.region_key, p.new.kind))
                if launch is None:
                    launch = self._add(p, device, server_zone, chunk)
                    self.outcomes["created"] += 1
                else:
                    changed = self._edit(launch, p, chunk)
                    self.outcomes["updated" if changed else "unchanged"] += 1
                for claim in p.claims:
                    self._claim(launch, claim, chunk)
            except DomainError as exc:
                raise CatalogError(f"{p.label}: {exc}") from None
        if self.failure is not None:
            raise self.failure

    def _add(
        self, p: PreparedEntry, device: PlannedDevice, server_zone: str, chunk: Chunk
    ) -> PlannedLaunch:
        zone = p.zone or server_zone
        window = p.window
        if p.zone is None and p.new.date:
            window = self.dates.parse(p.new.date, zone)
        launch = PlannedLaunch(
            None, device, p.region, p.region_key, p.new.kind, p.new.status, window,
            window.tz if window else zone, p.confidence, p.livestream_url, p.partner, p.note,
        )  # fmt: skip
        _require_date_if_confirmed(launch)
        self.launches[(device, p.region_key, p.new.kind)] = launch
        chunk.launches.append(launch)
        chunk.audits.append(PlannedAudit("launch", launch, "add", None, launch.snapshot()))
        return launch

    def _edit(self, launch: PlannedLaunch, p: PreparedEntry, chunk: Chunk) -> bool:
        """What ``LaunchEdit`` and a forced status do to an existing launch."""
        before = launch.snapshot()
        launch.region = p.region
        launch.window = p.edit_window
        launch.timezone = p.edit_window.tz if p.edit_window else p.edit_zone
        launch.confidence, launch.livestream_url = p.confidence, p.livestream_url
        launch.partner, launch.note = p.partner, p.note
        _require_date_if_confirmed(launch)
        after = launch.snapshot()
        changed = after != before
        if changed:
            chunk.audits.append(PlannedAudit("launch", launch, "import", before, after))
        if launch.status is not p.new.status:
            launch.status = p.new.status
            _require_date_if_confirmed(launch)
            chunk.audits.append(PlannedAudit("launch", launch, "import", after, launch.snapshot()))
            changed = True
        if changed and launch.id is not None and launch not in self.changed:
            self.changed.add(launch)
            chunk.changed.append(launch)
        return changed

    def _claim(self, launch: PlannedLaunch, p: PreparedClaim, chunk: Chunk) -> None:
        if p.key in launch.keys:
            return
        new = p.new
        window = p.window
        if new.subject is ClaimSubject.DATE and window is None and new.date:
            window = self.dates.parse(new.date, launch.timezone)
        seen_at = new.seen_at
        assert seen_at is not None  # checked when prepared
        if seen_at > self.now:
            raise InvalidInput("A claim cannot have been seen in the future.")
        present = new.present if new.subject is ClaimSubject.FEATURE else None
        self._seq += 1
        claim = PlannedClaim(None, launch, (seen_at, 1, self._seq), prepared=p, window=window)
        claim.snapshot = claim_fields_snapshot(
            0, new.subject, window, p.feature, present, p.statement, p.source_url,
            new.source_kind, p.author, seen_at,
        )  # fmt: skip
        launch.keys.add(
            claim_key(new.subject, span(window), p.feature_key, present, p.source_url,
                      p.author, seen_at)
        )  # fmt: skip
        subject = (new.subject, p.feature_key) if p.feature_key else (new.subject,)
        self._supersede(launch.subjects.setdefault(subject, []), claim)
        chunk.claims.append(claim)
        chunk.audits.append(PlannedAudit("claim", claim, "add", None, claim.snapshot))
        self.claims_added += 1

    def _supersede(self, same: list[PlannedClaim], claim: PlannedClaim) -> None:
        """The newest claim on a subject stands; earlier ones point at it (as the calendar
        records a claim: a new newest one takes over every pointer, an older one points at the
        newest and changes nothing else)."""
        latest = max(same, key=lambda c: c.order, default=None)
        if latest is None or claim.order[0] >= latest.order[0]:
            for other in same:
                other.pointer = claim
                if other.prepared is None and not other.moved:
                    other.moved = True
                    self.repointed.append(other)
        else:
            claim.pointer = latest
        same.append(claim)


def _require_date_if_confirmed(launch: PlannedLaunch) -> None:
    if launch.status is LaunchStatus.CONFIRMED and launch.window is None:
        raise InvalidInput("A confirmed launch needs a date; give one, or change its status first.")
