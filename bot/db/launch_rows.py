"""Claim rows as read models and as audit snapshots."""

from __future__ import annotations

from bot.db.models import Claim
from bot.domain.dates import window_from_record
from bot.domain.records import ClaimRecord


def claim_record(row: Claim) -> ClaimRecord:
    window = None
    if row.window_start and row.window_end and row.precision:
        window = window_from_record(
            row.window_start, row.window_end, row.precision.value, row.timezone or "UTC"
        )
    return ClaimRecord(
        id=row.id,
        launch_id=row.launch_id,
        subject=row.subject,
        window=window,
        feature=row.feature,
        present=row.present,
        statement=row.statement,
        source_url=row.source_url,
        source_kind=row.source_kind,
        author=row.author,
        seen_at=row.seen_at,
        superseded_by_id=row.superseded_by_id,
        recorded_by=row.recorded_by,
        confidence=row.confidence,
    )
