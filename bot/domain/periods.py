"""The time windows offered by /launch upcoming."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.errors import InvalidInput

WINDOWS = {
    "7d": "Next 7 days",
    "30d": "Next 30 days",
    "90d": "Next 3 months",
    "365d": "Next 12 months",
    "all": "Everything ahead",
}


def window_bounds(key: str, now: datetime) -> tuple[datetime, datetime | None]:
    if key not in WINDOWS:
        raise InvalidInput(f"Pick how far ahead to look from the list: {', '.join(WINDOWS)}.")
    if key == "all":
        return now, None
    return now, now + timedelta(days=int(key.removesuffix("d")))
