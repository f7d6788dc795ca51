"""Plain-text tables for the command line."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.dates import render_short
from bot.domain.records import LaunchRecord

HEADERS = ("#", "Device", "Brand", "Region", "Kind", "Status", "Date", "Conf.")
MAX_CELL = 40


def _cell(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def launch_rows(launches: Sequence[LaunchRecord]) -> list[tuple[str, ...]]:
    return [
        (
            str(v.id),
            v.device,
            v.brand,
            v.region,
            v.kind.value,
            v.status.value,
            render_short(v.window) if v.window else "no date yet",
            "" if v.confidence is None else f"{v.confidence}%",
        )
        for v in launches
    ]


def render_table(rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS) -> str:
    cells = [[_cell(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
