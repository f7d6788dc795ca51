"""Launches and claims as catalog entries (the format bot.domain.catalog reads), and as text."""

from __future__ import annotations

import json
from typing import Any

import tomli_w

from bot.domain.dates import render_date
from bot.domain.records import ClaimRecord, LaunchRecord
from bot.domain.vocabulary import ClaimSubject, LaunchKind


def launch_entry(view: LaunchRecord, claims: tuple[ClaimRecord, ...]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "device": view.device,
        "brand": view.brand,
        "series": view.is_series,
        "aliases": list(view.aliases),
        "region": view.region,
        "kind": view.kind.value,
        "status": view.status.value,
        "date": render_date(view.window) if view.window else None,
        "timezone": view.timezone,
        "confidence": view.confidence,
        "livestream_url": view.livestream_url,
        "partner": view.partner,
        "note": view.note,
        "claim": [_claim_entry(c, view.timezone) for c in claims],
    }
    if view.kind is LaunchKind.ANNOUNCEMENT:
        entry.pop("kind")
    return _without_empty(entry)


def _claim_entry(claim: ClaimRecord, launch_timezone: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"about": claim.subject.value}
    if claim.subject is ClaimSubject.DATE and claim.window:
        entry["date"] = render_date(claim.window)
        if claim.window.tz != launch_timezone:
            entry["timezone"] = claim.window.tz
    else:
        entry["feature"] = claim.feature
        entry["present"] = claim.present.value if claim.present else None
    entry.update(
        statement=claim.statement,
        source_url=claim.source_url,
        source_kind=claim.source_kind.value,
        author=claim.author,
        seen_at=claim.seen_at.isoformat().replace("+00:00", "Z"),
    )
    return _without_empty(entry)


def _without_empty(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None and v != [] and v is not False}


def dump_catalog(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return tomli_w.dumps(data)
