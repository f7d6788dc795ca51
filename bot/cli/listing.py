"""`launches list`: one slice of a server's launches, by --offset and --limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.calendar_query import MAX_PAGE, PagePosition, PageRequest, Turn, UpcomingFilter
from bot.domain.records import LaunchRecord
from bot.services.calendar import CalendarService

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class ListRequest:
    guild_id: int
    include_past: bool
    offset: int = 0
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class LaunchSlice:
    """The launches from ``offset`` on; ``total`` is exact unless ``total_exact`` is False (the
    upcoming count stops at 1,000); ``more``: a launch lies past the slice; ``elsewhere``: how
    many launches the server has outside an empty upcoming list."""

    request: ListRequest
    launches: tuple[LaunchRecord, ...]
    total: int
    total_exact: bool
    more: bool
    elsewhere: int = 0

    @property
    def scope(self) -> str:
        return "all" if self.request.include_past else "upcoming"


async def list_launches(
    calendar: CalendarService, now: datetime, asked: ListRequest
) -> LaunchSlice:
    if asked.include_past:
        listing = await calendar.all(asked.guild_id, offset=asked.offset, limit=asked.limit)
        more = asked.offset + len(listing.items) < listing.total
        return LaunchSlice(asked, listing.items, listing.total, True, more)
    found = await _upcoming(calendar, now, asked)
    if found.launches or found.total:
        return found
    elsewhere = await calendar.count(asked.guild_id)
    return LaunchSlice(asked, (), 0, True, False, elsewhere)


async def _upcoming(calendar: CalendarService, now: datetime, asked: ListRequest) -> LaunchSlice:
    """Reads page after page (the upcoming calendar pages by key, not by offset) until the slice
    is full; the count is taken once, on the first page."""
    wanted = UpcomingFilter(start=now)
    request = PageRequest(limit=MAX_PAGE)
    seen, kept = 0, list[LaunchRecord]()
    while True:
        page = await calendar.upcoming(asked.guild_id, wanted, request)
        kept.extend(page.items[max(0, asked.offset - seen) :])
        seen += len(page.items)
        if len(kept) >= asked.limit or not page.has_next:
            break
        request = PagePosition.of(page).request(Turn.NEXT)
    more = len(kept) > asked.limit or page.has_next
    return LaunchSlice(asked, tuple(kept[: asked.limit]), page.total, page.total_exact, more)
