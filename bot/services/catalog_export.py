"""Export a server's launches and claims as a catalog."""

from __future__ import annotations

from typing import Any

from bot.domain.catalog import FORMAT_VERSION
from bot.domain.catalog_writer import launch_entry
from bot.services.calendar import CalendarService

EXPORT_PAGE = 1000


async def export_catalog(service: CalendarService, guild_id: int) -> dict[str, Any]:
    launches = []
    offset = 0
    while True:
        page = await service.all(guild_id, offset=offset, limit=EXPORT_PAGE)
        for view in page.items:
            history = await service.history(guild_id, view.id)
            launches.append(launch_entry(view, history.claims))
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return {"format": FORMAT_VERSION, "launch": launches}
