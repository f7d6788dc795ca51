"""Builds the long-lived parts (engine, sessions, services) from settings, and closes them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db import migrate
from bot.db.engine import create_engine, create_session_factory, ping
from bot.db.sqlite_file import sqlite_path
from bot.domain.clock import Clock, utc_now
from bot.domain.errors import StorageUnavailable
from bot.services.bot_state import BotStateService
from bot.services.calendar import CalendarService
from bot.services.deliveries import DeliveryService
from bot.services.native_votes import NativeVoteService
from bot.services.poll_results import PollResultService
from bot.services.poll_standings import PollStandingService
from bot.services.polls import PollService
from bot.services.settings import SettingsService
from bot.services.subscriptions import PendingNotices, SubscriptionService

UPGRADE_HINT = "run `launchbot db upgrade` (or `make run`, which does it for you)"


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
    deliveries: DeliveryService
    clock: Clock
    subscriptions: SubscriptionService
    polls: PollService
    native_votes: NativeVoteService
    poll_results: PollResultService
    poll_standings: PollStandingService

    @classmethod
    def create(
        cls, settings: Settings, clock: Clock = utc_now, *, create_database: bool = False
    ) -> Runtime:
        """Only ``create_database`` (``launchbot db upgrade``) may create a SQLite file."""
        engine = create_engine(settings.database_url, create=create_database)
        sessions = create_session_factory(engine)
        defaults = settings.guild_defaults()
        notices = PendingNotices()
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            calendar=CalendarService(sessions, clock, defaults),
            guild_settings=SettingsService(sessions, clock, defaults),
            bot_state=BotStateService(sessions, clock),
            deliveries=DeliveryService(sessions, clock, defaults, notices),
            clock=clock,
            subscriptions=SubscriptionService(sessions, clock, notices),
            polls=PollService(sessions, clock, defaults),
            native_votes=NativeVoteService(sessions, clock),
            poll_results=PollResultService(sessions, clock, defaults),
            poll_standings=PollStandingService(sessions),
        )

    async def require_current_schema(self) -> None:
        """Raises ``SchemaOutOfDate``, or ``DatabaseUnavailable`` when it cannot even look."""
        path = sqlite_path(self.settings.database_url)
        if path is not None and not path.exists():
            raise SchemaOutOfDate(f"the database file {path} does not exist: {UPGRADE_HINT}")
        try:
            current = await migrate.current_revision(self.engine)
        except (OSError, SQLAlchemyError, StorageUnavailable) as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        head = migrate.head_revision()
        if current != head:
            state = "empty" if current is None else f"at revision {current}"
            raise SchemaOutOfDate(
                f"the database is {state} but this version needs {head}: {UPGRADE_HINT}"
            )

    async def ping(self, within: float) -> None:
        """Raises ``DatabaseUnavailable`` (saying why, in one line) unless the database answers a
        trivial statement within ``within`` seconds."""
        try:
            async with asyncio.timeout(within):
                await ping(self.engine)
        except TimeoutError:
            raise DatabaseUnavailable(f"no answer within {within:g} s") from None
        except StorageUnavailable as exc:
            path = sqlite_path(self.settings.database_url)
            raise DatabaseUnavailable(
                f"the database file {path} has been deleted or replaced since the bot opened it"
            ) from exc
        except (OSError, SQLAlchemyError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [repr(exc)]
            raise DatabaseUnavailable(reason[0][:300]) from exc

    async def close(self) -> None:
        await self.engine.dispose()
