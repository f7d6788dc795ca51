"""Export a server's launches and claims as a catalog."""

from __future__ import annotations

from typing import Any

from bot.domain.catalog import FORMAT_VERSION
from bot.domain.catalog_writer import launch_entry
from bot.services.calendar import CalendarService

EXPORT_PAGE = 1000


async def export_catalog(service: CalendarService, guild_id: int) -> dict[str, Any]:
    launches: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await service.all(guild_id, offset=offset, limit=EXPORT_PAGE)
        claims = await service.claims_of(guild_id, [launch.id for launch in page.items])
        launches.extend(launch_entry(launch, claims.get(launch.id, ())) for launch in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return {"format": FORMAT_VERSION, "launch": launches}
