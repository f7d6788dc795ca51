"""The rows an import writes, built from its plan once the new rows have their ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from bot.db.catalog_rows import Codec
from bot.domain.dates import DateWindow
from bot.domain.records import Actor
from bot.domain.text import NAME_MAX
from bot.services.catalog_plan import Audit, Chunk, Claim, Launch

Row = dict[str, Any]
Write = tuple[Literal["insert", "update"], str, list[Row]]
"""What to do, to which table, with which rows."""


class RowBuilder:
    def __init__(
        self, guild_id: int, actor: Actor, now: datetime, codec: Codec, repointed: list[Claim]
    ) -> None:
        self.guild_id = guild_id
        self.actor_id = actor.id
        self.actor_name = actor.name[:NAME_MAX]
        self.now = codec.time(now)
        self.codec = codec
        self.repointed = repointed

    def chunk(self, chunk: Chunk, audit_ids: Any) -> list[Write]:
        """The chunk's writes, parents before children."""
        g = self.guild_id
        return [
            ("insert", "brands", [
                {"id": b.id, "guild_id": g, "name": b.name, "name_key": b.key}
                for b in chunk.brands
            ]),
            ("insert", "devices", [
                {"id": d.id, "guild_id": g, "brand_id": d.brand.id, "name": d.name,
                 "name_key": d.key, "is_series": d.is_series}
                for d in chunk.devices
            ]),
            ("update", "devices", [{"id": d.id, "is_series": True} for d in chunk.series]),
            ("insert", "device_aliases", [
                {"id": a.id, "guild_id": g, "device_id": a.device.id, "alias": a.alias,
                 "alias_key": a.key}
                for a in chunk.aliases
            ]),
            ("insert", "launches", [self._launch(launch) for launch in chunk.launches]),
            ("update", "launches", [self._changed(launch) for launch in chunk.changed]),
            ("insert", "claims", self._claims(chunk.claims)),
            ("insert", "audit_log", [self._audit(a, next(audit_ids)) for a in chunk.audits]),
        ]  # fmt: skip

    def _window(self, window: DateWindow | None) -> tuple[Any, Any, str | None]:
        if window is None:
            return None, None, None
        return self.codec.time(window.start), self.codec.time(window.end), window.precision.value

    def _changed(self, launch: Launch) -> Row:
        start, end, precision = self._window(launch.window)
        return {
            "id": launch.id,
            "region": launch.region,
            "status": launch.status.value,
            "window_start": start,
            "window_end": end,
            "precision": precision,
            "timezone": launch.timezone,
            "confidence": launch.confidence,
            "livestream_url": launch.livestream_url,
            "partner": launch.partner,
            "note": launch.note,
            "updated_at": self.now,
            "updated_by": self.actor_id,
        }

    def _launch(self, launch: Launch) -> Row:
        row = self._changed(launch)
        row.update(
            guild_id=self.guild_id,
            device_id=launch.device.id,
            region_key=launch.region_key,
            kind=launch.kind.value,
            created_at=self.now,
            created_by=self.actor_id,
            discord_event_id=None,
        )
        return row

    def _claims(self, claims: list[Claim]) -> list[Row]:
        """Claims that supersede others go first, so each row's superseded_by_id exists when it
        is inserted; one pointing at a claim of a later chunk is pointed there afterwards."""
        if not claims:
            return []
        last = max(claim.id or 0 for claim in claims)
        built = []
        for claim in claims:
            target = claim.pointer.id if claim.pointer is not None else None
            if target is not None and target > last:
                target = None
                self.repointed.append(claim)
            built.append(self._claim(claim, target))
        built.sort(key=lambda row: row["superseded_by_id"] is not None)
        return built

    def _claim(self, claim: Claim, superseded_by: int | None) -> Row:
        p = claim.prepared
        assert p is not None
        start, end, precision = self._window(claim.window)
        return {
            "id": claim.id,
            "guild_id": self.guild_id,
            "launch_id": claim.launch.id,
            "subject": p.new.subject.value,
            "window_start": start,
            "window_end": end,
            "precision": precision,
            "timezone": claim.window.tz if claim.window else None,
            "feature": p.feature,
            "feature_key": p.feature_key,
            "present": p.new.present.value if p.feature and p.new.present else None,
            "statement": p.statement,
            "source_url": p.source_url,
            "source_kind": p.new.source_kind.value,
            "author": p.author,
            "seen_at": self.codec.time(p.new.seen_at),
            "superseded_by_id": superseded_by,
            "recorded_by": self.actor_id,
            "confidence": p.confidence,
            "created_at": self.now,
        }

    def _audit(self, audit: Audit, audit_id: int) -> Row:
        if isinstance(audit.target, Claim) and audit.after is not None:
            audit.after["launch_id"] = audit.target.launch.id
        return {
            "id": audit_id,
            "guild_id": self.guild_id,
            "at": self.now,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "entity": audit.entity,
            "entity_id": audit.target.id,
            "action": audit.action,
            "before": self.codec.json(audit.before),
            "after": self.codec.json(audit.after),
        }
