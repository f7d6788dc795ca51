"""Builds the long-lived parts (engine, sessions, services) from settings, and closes them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db import migrate
from bot.db.engine import create_engine, create_session_factory, ping
from bot.db.run_lock import LockHeld, RunLock
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


class OneProcessOnly(Exception):
    """A bot process SQLite cannot serve: another one runs on the file, or this one runs only
    some of the bot's shards (the others would need processes of their own)."""


SEVERAL_PROCESSES = (
    "SQLite serves one bot process; to run the bot as several processes (shards), use "
    "PostgreSQL (LAUNCHBOT_DATABASE_URL=postgresql+asyncpg://user@host/db, see "
    "docs/operations.md)"
)


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
    run_lock: RunLock | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls, settings: Settings, clock: Clock = utc_now, *, create_database: bool = False
    ) -> Runtime:
        """Only ``create_database`` (``launchbot db upgrade``) may create a SQLite file."""
        engine = create_engine(
            settings.database_url,
            create=create_database,
            pool_size=settings.database_pool_size,
        )
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
            deliveries=DeliveryService(sessions, clock, defaults, notices, settings.shards),
            clock=clock,
            subscriptions=SubscriptionService(sessions, clock, notices),
            polls=PollService(sessions, clock, defaults),
            native_votes=NativeVoteService(sessions, clock),
            poll_results=PollResultService(sessions, clock, defaults),
            poll_standings=PollStandingService(sessions, clock),
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

    def hold_the_database_alone(self) -> None:
        """On SQLite, makes this the one bot process on the file, for as long as it runs (until
        ``close``): raises ``OneProcessOnly`` when another runs, or when this one would run only
        some of the bot's shards. PostgreSQL serves any number of processes."""
        path = sqlite_path(self.settings.database_url)
        if path is None:
            return
        shards = self.settings.shards
        if shards is not None and not shards.covers_all:
            raise OneProcessOnly(
                f"this process would run {shards} on the SQLite database {path}, and the "
                f"other shards would need processes of their own: {SEVERAL_PROCESSES}"
            )
        lock = RunLock(path)
        try:
            lock.acquire()
        except LockHeld as held:
            by = f" (pid {held.holder})" if held.holder.isdigit() else ""
            raise OneProcessOnly(
                f"another `launchbot run`{by} is using the SQLite database {path} (it holds "
                f"{held.lock_path}): {SEVERAL_PROCESSES}"
            ) from None
        except OSError as exc:
            raise OneProcessOnly(f"cannot take the lock {lock.path}: {exc.strerror}") from None
        self.run_lock = lock

    async def close(self) -> None:
        if self.run_lock is not None:
            self.run_lock.release()
            self.run_lock = None
        await self.engine.dispose()
