"""What a calendar listing asks for: its filters, and where a page starts."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.records import CalendarKey
from bot.domain.vocabulary import LaunchStatus

COUNT_CAP = 1000
"""Listings count their launches up to this many; past it they say "more than 1,000"."""
MAX_PAGE = 100


class Turn(enum.Enum):
    FIRST = "first"
    NEXT = "next"
    PREVIOUS = "previous"
    LAST = "last"


@dataclass(frozen=True, slots=True)
class UpcomingFilter:
    """Launches whose window has not ended by ``start``; launched and cancelled ones are left out
    unless asked for by ``status`` or ``include_finished``."""

    start: datetime
    end: datetime | None = None
    brand: str | None = None
    status: LaunchStatus | None = None
    region: str | None = None
    include_finished: bool = False


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page: the first or last, or the one after or before ``key``. ``total`` and
    ``number`` carry what an earlier page already knew, so a turn does not count again."""

    turn: Turn = Turn.FIRST
    key: CalendarKey | None = None
    limit: int = 10
    total: int | None = None
    total_exact: bool = True
    number: int | None = None
