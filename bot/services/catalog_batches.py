"""The rows an import writes, built from its plan once the new rows have their ids."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.db.catalog_rows import Codec
from bot.domain.dates import DateWindow
from bot.domain.guild_settings import GuildSettingsRecord
from bot.domain.records import Actor
from bot.domain.text import NAME_MAX
from bot.domain.vocabulary import (
    ClaimSubject,
    FeaturePresence,
    LaunchKind,
    LaunchStatus,
    PostState,
    Precision,
    SourceKind,
)
from bot.services.catalog_state import Chunk, PlannedAudit, PlannedClaim, PlannedLaunch
from bot.services.post_planning import launch_subject, posts_for

Row = tuple[Any, ...]
_VALUE: dict[enum.Enum, str] = {
    member: member.value
    for kind in (ClaimSubject, FeaturePresence, LaunchKind, LaunchStatus, Precision, SourceKind)
    for member in kind
}  # an enum's .value is slow to read, and there are many

BRANDS = ("id", "guild_id", "name", "name_key")
DEVICES = ("id", "guild_id", "brand_id", "name", "name_key", "is_series")
ALIASES = ("id", "guild_id", "device_id", "alias", "alias_key")
LAUNCHES = (
    "id", "guild_id", "device_id", "region_key", "kind", "created_at", "created_by",
    "discord_event_id", "region", "status", "window_start", "window_end", "precision",
    "timezone", "confidence", "livestream_url", "partner", "note", "updated_at", "updated_by",
)  # fmt: skip
CHANGED = LAUNCHES[8:]
CLAIMS = (
    "id", "guild_id", "launch_id", "subject", "window_start", "window_end", "precision",
    "timezone", "feature", "feature_key", "present", "statement", "source_url", "source_kind",
    "author", "seen_at", "superseded_by_id", "recorded_by", "confidence", "created_at",
)  # fmt: skip
AUDIT = (
    "id", "guild_id", "at", "actor_id", "actor_name", "entity", "entity_id", "action", "before",
    "after",
)  # fmt: skip
POSTS = (
    "guild_id", "launch_id", "subject", "key", "target", "kind", "due_at", "expires_at",
    "payload", "state", "attempts", "late", "created_at", "updated_at",
)  # fmt: skip


@dataclass(slots=True)
class Batch:
    """One chunk's writes: updates of existing rows, then inserts, parents before children."""

    updates: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    inserts: list[tuple[str, tuple[str, ...], list[Row]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(rows for _, rows in self.updates) or any(rows for _, _, rows in self.inserts)


INSERTS = {
    "brands": BRANDS,
    "devices": DEVICES,
    "device_aliases": ALIASES,
    "launches": LAUNCHES,
    "claims": CLAIMS,
    "audit_log": AUDIT,
    "posts": POSTS,
}
"""The tables new rows go into, parents before children, with their columns (the added
launches' scheduled posts last: they get their ids from the table)."""


class RowBuilder:
    def __init__(
        self,
        guild_id: int,
        actor: Actor,
        now: datetime,
        codec: Codec,
        settings: GuildSettingsRecord,
        *,
        by_chunk: bool,
    ) -> None:
        """``by_chunk``: each chunk's rows go in as statements of their own (a claim can point
        only at a claim of its own chunk or an earlier one), else all in one per table. The
        ``settings`` plan the added launches' scheduled posts."""
        self.guild_id = guild_id
        self.settings = settings
        self.time = now
        self.by_chunk = by_chunk
        self.actor_id = actor.id
        self.actor_name = actor.name[:NAME_MAX]
        self.now = codec.time(now)
        self.codec = codec
        self.deferred: list[PlannedClaim] = []
        """New claims superseded by a claim of a later chunk: pointed at it after the inserts."""

    def batch(self, chunk: Chunk, audit_ids: Iterator[int]) -> Batch:
        g = self.guild_id
        series = [{"id": d.id, "is_series": True} for d in chunk.series]
        changed = [
            dict(zip(("id", *CHANGED), self._changed(x), strict=True)) for x in chunk.changed
        ]
        brands = [(b.id, g, b.name, b.key) for b in chunk.brands]
        devices = [(d.id, g, d.brand.id, d.name, d.key, d.is_series) for d in chunk.devices]
        aliases = [(a.id, g, a.device.id, a.alias, a.key) for a in chunk.aliases]
        launches = [self._launch(launch) for launch in chunk.launches]
        claims = self._claims(chunk.claims)
        audits = [self._audit(a, next(audit_ids)) for a in chunk.audits]
        return Batch(
            [("devices", series), ("launches", changed)],
            [
                ("brands", BRANDS, brands),
                ("devices", DEVICES, devices),
                ("device_aliases", ALIASES, aliases),
                ("launches", LAUNCHES, launches),
                ("claims", CLAIMS, claims),
                ("audit_log", AUDIT, audits),
                ("posts", POSTS, self._posts(chunk.launches)),
            ],
        )

    def _posts(self, launches: list[PlannedLaunch]) -> list[Row]:
        """The scheduled posts of added launches, as ``replan_launches`` plans them: a new
        launch's id was never used, so none of its posts exists yet."""
        time, json, g, pending = self.codec.time, self.codec.json, self.guild_id, PostState.PENDING
        return [
            (g, launch.id, launch_subject(launch.id), p.key, p.target, p.kind, time(p.due_at),
             time(p.expires_at), json(p.payload), pending.value, 0, False, self.now, self.now)
            for launch in launches
            if launch.id is not None
            for p in posts_for(launch.id, launch.window, launch.status, self.settings, self.time)
        ]  # fmt: skip

    def _window(self, window: DateWindow | None) -> tuple[Any, Any, str | None]:
        if window is None:
            return None, None, None
        time = self.codec.time
        return time(window.start), time(window.end), _VALUE[window.precision]

    def _changed(self, launch: PlannedLaunch) -> Row:
        """The launch's id and ``CHANGED`` columns."""
        start, end, precision = self._window(launch.window)
        return (
            launch.id, launch.region, _VALUE[launch.status], start, end, precision,
            launch.timezone, launch.confidence, launch.livestream_url, launch.partner,
            launch.note, self.now, self.actor_id,
        )  # fmt: skip

    def _launch(self, launch: PlannedLaunch) -> Row:
        return (
            launch.id, self.guild_id, launch.device.id, launch.region_key, _VALUE[launch.kind],
            self.now, self.actor_id, None, *self._changed(launch)[1:],
        )  # fmt: skip

    def _claims(self, claims: list[PlannedClaim]) -> list[Row]:
        """A claim's superseded_by_id is checked at the end of the statement that inserts it; one
        pointing at a claim of a later chunk's statement is pointed there afterwards."""
        if not claims:
            return []
        last = max(claim.id or 0 for claim in claims) if self.by_chunk else None
        built = []
        for claim in claims:
            target = claim.pointer.id if claim.pointer is not None else None
            if last is not None and target is not None and target > last:
                target = None
                self.deferred.append(claim)
            built.append(self._claim(claim, target))
        return built

    def _claim(self, claim: PlannedClaim, superseded_by: int | None) -> Row:
        p = claim.prepared
        assert p is not None and p.new.seen_at is not None
        start, end, precision = self._window(claim.window)
        present = p.new.present if p.feature else None
        return (
            claim.id, self.guild_id, claim.launch.id, _VALUE[p.new.subject], start, end,
            precision, claim.window.tz if claim.window else None, p.feature, p.feature_key,
            _VALUE[present] if present else None, p.statement, p.source_url,
            _VALUE[p.new.source_kind], p.author, self.codec.time(p.new.seen_at), superseded_by,
            self.actor_id, p.confidence, self.now,
        )  # fmt: skip

    def _audit(self, audit: PlannedAudit, audit_id: int) -> Row:
        if isinstance(audit.target, PlannedClaim) and audit.after is not None:
            audit.after["launch_id"] = audit.target.launch.id
        return (
            audit_id, self.guild_id, self.now, self.actor_id, self.actor_name, audit.entity,
            audit.target.id, audit.action, self.codec.json(audit.before),
            self.codec.json(audit.after),
        )  # fmt: skip
