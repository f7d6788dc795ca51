"""Plain-text tables for the command line, aligned by display width: a Chinese character or an
emoji takes two terminal columns, a combining accent none."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import wcwidth

from bot.domain.dates import render_short
from bot.domain.records import LaunchRecord

HEADERS = ("#", "Device", "Brand", "Region", "Kind", "Status", "Date", "Conf.")
MAX_CELL = 40
"""Widest cell, in terminal columns."""
ELLIPSIS = "…"
_JOINER = "\u200d"  # joins emoji into one picture; every other format or control character goes


def display_width(text: str) -> int:
    return wcwidth.width(text)


def _printable(text: str) -> str:
    if text.isprintable():
        return " ".join(text.split())
    kept = "".join(ch for ch in text if ch == _JOINER or unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


def _cell(text: str) -> str:
    text = _printable(text)
    if display_width(text) <= MAX_CELL:
        return text
    room, kept = MAX_CELL - display_width(ELLIPSIS), []
    for grapheme in wcwidth.iter_graphemes(text):  # never split an emoji or a letter's accents
        room -= display_width(grapheme)
        if room < 0:
            break
        kept.append(grapheme)
    return "".join(kept) + ELLIPSIS


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


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


def render_table(
    rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS, *, last_in_full: bool = False
) -> str:
    """``last_in_full``: the last column is not cut (nothing after it needs aligning)."""
    cells = [[_cell(c) for c in row] for row in [headers, *rows]]
    if last_in_full:
        for cut, row in zip(cells, [headers, *rows], strict=True):
            cut[-1] = _printable(row[-1])
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(map(_pad, row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
