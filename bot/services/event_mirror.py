"""What the Discord event mirror keeps in the database, on one connection for the whole mirror.

Each step commits at once, so no transaction stays open while the mirror waits for Discord.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import launch_queries as q
from bot.db.launch_rows import launch_record_of
from bot.db.models import Launch
from bot.db.settings_rows import mark_events_warned
from bot.domain.clock import Clock
from bot.domain.guild_settings import GuildDefaults
from bot.domain.records import LaunchRecord


class StoredEvents:
    def __init__(
        self, session: AsyncSession, guild_id: int, defaults: GuildDefaults, clock: Clock
    ) -> None:
        self._session = session
        self._guild_id = guild_id
        self._defaults = defaults
        self._clock = clock

    async def current(self, launch_id: int) -> LaunchRecord | None:
        """The launch as it is now (without aliases, which an event does not show)."""
        found = await q.listed_launch(self._session, self._guild_id, launch_id)
        await self._session.commit()
        return None if found is None else launch_record_of(found)

    async def set_event_id(self, launch_id: int, event_id: int | None) -> None:
        await self._session.execute(
            update(Launch)
            .where(Launch.guild_id == self._guild_id, Launch.id == launch_id)
            .values(discord_event_id=event_id)
        )
        await self._session.commit()

    async def warn_once_about_events(self) -> bool:
        """True the first time only: the caller should then tell the server, once."""
        first = await mark_events_warned(
            self._session, self._guild_id, self._defaults, self._clock()
        )
        await self._session.commit()
        return first
