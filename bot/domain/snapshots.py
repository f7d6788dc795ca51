"""Launches and claims as the audit log keeps them: plain JSON-ready values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.dates import DateWindow, render_date
from bot.domain.records import ClaimRecord, LaunchRecord
from bot.domain.vocabulary import ClaimSubject, FeaturePresence, SourceKind


def launch_snapshot(view: LaunchRecord | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "device": view.device,
        "brand": view.brand,
        "region": view.region,
        "kind": view.kind.value,
        "status": view.status.value,
        "date": render_date(view.window) if view.window else None,
        "window_start": view.window.start.isoformat() if view.window else None,
        "window_end": view.window.end.isoformat() if view.window else None,
        "precision": view.window.precision.value if view.window else None,
        "timezone": view.timezone,
        "confidence": view.confidence,
        "livestream_url": view.livestream_url,
        "partner": view.partner,
        "note": view.note,
    }


def claim_snapshot(view: ClaimRecord) -> dict[str, object]:
    return claim_fields_snapshot(
        view.launch_id, view.subject, view.window, view.feature, view.present, view.statement,
        view.source_url, view.source_kind, view.author, view.seen_at,
    )  # fmt: skip


def claim_fields_snapshot(
    launch_id: int,
    subject: ClaimSubject,
    window: DateWindow | None,
    feature: str | None,
    present: FeaturePresence | None,
    statement: str | None,
    source_url: str | None,
    source_kind: SourceKind,
    author: str | None,
    seen_at: datetime,
) -> dict[str, object]:
    """``claim_snapshot`` from the fields themselves (the importer has no record to build)."""
    return {
        "launch_id": launch_id,
        "subject": subject.value,
        "date": render_date(window) if window else None,
        "feature": feature,
        "present": present.value if present else None,
        "statement": statement,
        "source_url": source_url,
        "source_kind": source_kind.value,
        "author": author,
        "seen_at": seen_at.isoformat(),
    }
