"""Reminder offsets such as "1w, 1d, 1h, 30m": how long before a launch a reminder goes out."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.errors import InvalidInput

_UNIT_MINUTES = {"d": 24 * 60, "h": 60, "m": 1}
_PARSED_MINUTES = {"w": 7 * 24 * 60, **_UNIT_MINUTES}
_TOKEN = re.compile(r"([0-9]{1,4})\s*([wdhm])")
MAX_OFFSETS = 5
MAX_OFFSET = timedelta(days=30)
EXAMPLES = 'for example "1w, 1d, 1h" or "2h, 30m" (units: w, d, h, m)'


def parse_offsets(text: str) -> list[timedelta]:
    """Parse a comma-separated list of offsets; result is sorted, longest first, no repeats."""
    parts = [p.strip().lower() for p in text.split(",") if p.strip()]
    if not parts:
        return []
    offsets: set[timedelta] = set()
    for part in parts:
        minutes = 0
        pos = 0
        compact = part.replace(" ", "")
        for match in _TOKEN.finditer(compact):
            if match.start() != pos:
                break
            minutes += int(match.group(1)) * _PARSED_MINUTES[match.group(2)]
            pos = match.end()
        if pos != len(compact) or pos == 0:
            raise InvalidInput(f'"{part[:20]}" is not a reminder offset: use {EXAMPLES}.')
        offset = timedelta(minutes=minutes)
        if offset <= timedelta(0) or offset > MAX_OFFSET:
            raise InvalidInput(f'"{part[:20]}" must be more than 0 and at most 30 days.')
        offsets.add(offset)
    if len(offsets) > MAX_OFFSETS:
        raise InvalidInput(f"At most {MAX_OFFSETS} reminder offsets are allowed.")
    return sorted(offsets, reverse=True)


def format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    out = []
    for unit, size in _UNIT_MINUTES.items():
        if minutes >= size:
            count, minutes = divmod(minutes, size)
            out.append(f"{count}{unit}")
    return "".join(out) or "0m"


def format_offsets(offsets: list[timedelta]) -> str:
    return ", ".join(format_offset(o) for o in offsets)
