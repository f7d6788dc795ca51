"""Builds the long-lived parts (engine, sessions, services) from settings, and closes them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.db import migrate
from bot.db.engine import create_engine, create_session_factory
from bot.domain.calendar import CalendarService
from bot.domain.guilds import GuildDefaults
from bot.domain.settings_service import SettingsService


class SchemaOutOfDate(Exception):
    pass


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    calendar: CalendarService
    guild_settings: SettingsService
    clock: Clock

    @classmethod
    def create(cls, settings: Settings, clock: Clock = utc_now) -> Runtime:
        engine = create_engine(settings.database_url)
        sessions = create_session_factory(engine)
        defaults = GuildDefaults.from_strings(
            settings.default_timezone,
            settings.default_reminder_offsets,
            settings.default_digest_day,
            settings.default_digest_time,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            calendar=CalendarService(sessions, clock, defaults),
            guild_settings=SettingsService(sessions, clock, defaults),
            clock=clock,
        )

    async def require_current_schema(self) -> None:
        current = await migrate.current_revision(self.engine)
        head = migrate.head_revision()
        if current != head:
            state = "empty" if current is None else f"at revision {current}"
            raise SchemaOutOfDate(
                f"the database is {state} but this version needs {head}: "
                "run `launchbot db upgrade` (or `make run`, which does it for you)"
            )

    async def close(self) -> None:
        await self.engine.dispose()
