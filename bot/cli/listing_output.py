"""What `launches list` prints: a table with a line saying which part of the list it is, or
JSON for scripts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.cli.listing import LaunchSlice
from bot.cli.table import launch_rows, render_table
from bot.domain.dates import render_date
from bot.domain.records import LaunchRecord


def as_text(found: LaunchSlice) -> str:
    if not found.launches:
        return _nothing(found)
    table = render_table(launch_rows(found.launches))
    first, last = found.request.offset + 1, found.request.offset + len(found.launches)
    if first == 1 and not found.more:
        return table
    where = f"showing {first} to {last} of {_count(found)}"
    if found.more:
        where += f"; the next ones: --offset {last}"
    return f"{table}\n{where}"


def _count(found: LaunchSlice) -> str:
    total = f"{found.total:,}" if found.total_exact else f"more than {found.total:,}"
    return f"{total} upcoming launches" if found.scope == "upcoming" else f"{total} launches"


def _nothing(found: LaunchSlice) -> str:
    guild = found.request.guild_id
    if found.request.offset and found.total:
        return (
            f"no launches from --offset {found.request.offset} on: server {guild} has "
            f"{_count(found)}"
        )
    if found.elsewhere:
        them = "it" if found.elsewhere == 1 else "them"
        return (
            f"no upcoming launches in server {guild} ({found.elsewhere} past, launched or "
            f"cancelled: --all lists {them})"
        )
    return f"no launches in server {guild}"


def as_json(found: LaunchSlice) -> str:
    data = {
        "scope": found.scope,
        "offset": found.request.offset,
        "limit": found.request.limit,
        "total": found.total,
        "total_exact": found.total_exact,
        "more": found.more,
        "launches": [launch_json(launch) for launch in found.launches],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def launch_json(launch: LaunchRecord) -> dict[str, Any]:
    window = launch.window
    return {
        "id": launch.id,
        "device": launch.device,
        "brand": launch.brand,
        "series": launch.is_series,
        "region": launch.region,
        "kind": launch.kind.value,
        "status": launch.status.value,
        "date": render_date(window) if window else None,
        "precision": window.precision.value if window else None,
        "window_start": _utc(window.start) if window else None,
        "window_end": _utc(window.end) if window else None,
        "timezone": launch.timezone,
        "confidence": launch.confidence,
        "livestream_url": launch.livestream_url,
        "partner": launch.partner,
        "note": launch.note,
        "updated_at": _utc(launch.updated_at),
    }


def _utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
