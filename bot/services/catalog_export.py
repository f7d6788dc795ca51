"""Export a server's launches, claims and resolved polls as a catalog."""

from __future__ import annotations

from typing import Any

from bot.domain.catalog import FORMAT_VERSION
from bot.domain.catalog_poll_writer import poll_entries
from bot.domain.catalog_writer import launch_entry
from bot.domain.records import LaunchRecord
from bot.services.calendar import CalendarService
from bot.services.polls import PollService

EXPORT_PAGE = 1000


async def export_catalog(
    service: CalendarService, polls: PollService, guild_id: int
) -> dict[str, Any]:
    """The launches page by page, then the resolved polls about those launches (a poll about a
    launch added after its page was read is left out, so every poll names a launch of the file)."""
    launches: list[LaunchRecord] = []
    entries: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await service.all(guild_id, offset=offset, limit=EXPORT_PAGE)
        claims = await service.claims_of(guild_id, [launch.id for launch in page.items])
        launches.extend(page.items)
        entries.extend(launch_entry(launch, claims.get(launch.id, ())) for launch in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    catalog: dict[str, Any] = {"format": FORMAT_VERSION, "launch": entries}
    questions = poll_entries(launches, await polls.resolved_polls(guild_id))
    if questions:
        catalog["poll"] = questions
    return catalog
