"""Launches and claims as the audit log keeps them: plain JSON-ready values."""

from __future__ import annotations

from typing import Any

from bot.domain.dates import render_date
from bot.domain.records import ClaimRecord, LaunchRecord


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
    return {
        "launch_id": view.launch_id,
        "subject": view.subject.value,
        "date": render_date(view.window) if view.window else None,
        "feature": view.feature,
        "present": view.present.value if view.present else None,
        "statement": view.statement,
        "source_url": view.source_url,
        "source_kind": view.source_kind.value,
        "author": view.author,
        "seen_at": view.seen_at.isoformat(),
    }
