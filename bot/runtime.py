"""Builds the long-lived parts (engine, sessions, services) from settings, and closes them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db import migrate
from bot.db.engine import create_engine, create_session_factory
from bot.domain.clock import Clock, utc_now
from bot.services.bot_state import BotStateService
from bot.services.calendar import CalendarService
from bot.services.settings import SettingsService


class SchemaOutOfDate(Exception):
    pass


class DatabaseUnavailable(Exception):
    """The database could not be reached or read (the cause is chained)."""


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    calendar: CalendarService
    guild_settings: SettingsService
    bot_state: BotStateService
    clock: Clock

    @classmethod
    def create(cls, settings: Settings, clock: Clock = utc_now) -> Runtime:
        engine = create_engine(settings.database_url)
        sessions = create_session_factory(engine)
        defaults = settings.guild_defaults()
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            calendar=CalendarService(sessions, clock, defaults),
            guild_settings=SettingsService(sessions, clock, defaults),
            bot_state=BotStateService(sessions, clock),
            clock=clock,
        )

    async def require_current_schema(self) -> None:
        """Raises ``SchemaOutOfDate``, or ``DatabaseUnavailable`` when it cannot even look."""
        try:
            current = await migrate.current_revision(self.engine)
        except (OSError, SQLAlchemyError) as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        head = migrate.head_revision()
        if current != head:
            state = "empty" if current is None else f"at revision {current}"
            raise SchemaOutOfDate(
                f"the database is {state} but this version needs {head}: "
                "run `launchbot db upgrade` (or `make run`, which does it for you)"
            )

    async def close(self) -> None:
        await self.engine.dispose()
