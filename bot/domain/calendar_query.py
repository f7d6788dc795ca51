"""What a calendar listing asks for: its filters, and where a page starts."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.records import CalendarKey, Page
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


@dataclass(frozen=True, slots=True)
class PagePosition:
    """What a page on screen must remember to be turned: its first and last launch, the count
    and its number (not the launches themselves)."""

    first: CalendarKey | None
    last: CalendarKey | None
    total: int
    total_exact: bool
    number: int | None
    has_previous: bool
    has_next: bool
    limit: int

    @classmethod
    def of(cls, page: Page) -> PagePosition:
        ends = (
            (CalendarKey.of(page.items[0]), CalendarKey.of(page.items[-1])) if page.items else None
        )
        return cls(
            first=ends[0] if ends else None,
            last=ends[1] if ends else None,
            total=page.total,
            total_exact=page.total_exact,
            number=page.number,
            has_previous=page.has_previous,
            has_next=page.has_next,
            limit=page.limit,
        )

    def request(self, turn: Turn) -> PageRequest:
        key = {Turn.NEXT: self.last, Turn.PREVIOUS: self.first}.get(turn)
        if turn in (Turn.NEXT, Turn.PREVIOUS) and key is None:
            turn = Turn.FIRST
        return PageRequest(turn, key, self.limit, self.total, self.total_exact, self.number)
