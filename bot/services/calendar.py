"""The calendar service: the one entry point for reading and changing a server's launches.

Every call takes the guild id first and only ever touches that guild's rows. Each change runs in
its own transaction, is written to the audit log, and returns what the caller shows next; each
read is one session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import launch_queries as q
from bot.db.audit_rows import audit_for
from bot.db.card_polls import card_polls
from bot.db.engine import begin_write, reading
from bot.db.launch_rows import claim_record, launch_records
from bot.db.loop_session import read
from bot.db.read_session import ReadSession
from bot.db.settings_rows import load_guild_settings
from bot.domain.calendar_query import COUNT_CAP, MAX_PAGE, PageRequest, Turn, UpcomingFilter
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, LaunchNotFound
from bot.domain.guild_settings import GuildDefaults
from bot.domain.inputs import LaunchEdit, NewClaim, NewLaunch
from bot.domain.permissions import require_editor
from bot.domain.records import (
    Actor,
    ClaimAdded,
    ClaimRecord,
    History,
    LaunchCard,
    LaunchChange,
    LaunchRecord,
    Listing,
    Page,
)
from bot.domain.vocabulary import LaunchStatus
from bot.services.event_mirror import StoredEvents
from bot.services.launch_writer import CONFLICT as CONFLICT
from bot.services.launch_writer import LaunchWriter


class CalendarService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        defaults: GuildDefaults,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._defaults = defaults

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self._sessions

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def defaults(self) -> GuildDefaults:
        return self._defaults

    @asynccontextmanager
    async def unit(
        self, guild_id: int, actor: Actor, *, editor: bool = True
    ) -> AsyncIterator[LaunchWriter]:
        """One transaction: committed when the block ends, rolled back if it raises. With
        ``editor``, a member must be allowed to edit launches (checked in the same transaction)."""
        try:
            async with self._sessions() as session, session.begin():
                await begin_write(session)
                writer = LaunchWriter(session, guild_id, actor, self._clock, self._defaults)
                if editor:
                    await writer.require_editor()
                yield writer
                await writer.finish()
        except IntegrityError:
            raise InvalidInput(CONFLICT) from None

    # changes ----------------------------------------------------------------------------------

    async def add(
        self, guild_id: int, actor: Actor, new: NewLaunch, source: NewClaim | None = None
    ) -> LaunchChange:
        async with self.unit(guild_id, actor) as writer:
            return await writer.add(new, source)

    async def edit(
        self, guild_id: int, actor: Actor, launch_id: int, edit: LaunchEdit
    ) -> LaunchChange:
        async with self.unit(guild_id, actor) as writer:
            return await writer.edit(launch_id, edit)

    async def _status(
        self,
        guild_id: int,
        actor: Actor,
        launch_id: int,
        status: LaunchStatus,
        date: str | None = None,
        source: NewClaim | None = None,
        timezone: str | None = None,
    ) -> LaunchChange:
        async with self.unit(guild_id, actor) as writer:
            return await writer.set_status(
                launch_id, status, date, timezone=timezone, source=source
            )

    async def confirm(
        self,
        guild_id: int,
        actor: Actor,
        launch_id: int,
        date: str,
        source: NewClaim | None = None,
        timezone: str | None = None,
    ) -> LaunchChange:
        """An official source without an author is credited to the launch's brand."""
        return await self._status(
            guild_id, actor, launch_id, LaunchStatus.CONFIRMED, date, source, timezone
        )

    async def tease(
        self,
        guild_id: int,
        actor: Actor,
        launch_id: int,
        date: str | None = None,
        source: NewClaim | None = None,
        timezone: str | None = None,
    ) -> LaunchChange:
        """As ``confirm``: an official source without an author is credited to the brand."""
        return await self._status(
            guild_id, actor, launch_id, LaunchStatus.TEASED, date, source, timezone
        )

    async def postpone(
        self,
        guild_id: int,
        actor: Actor,
        launch_id: int,
        date: str | None = None,
        source: NewClaim | None = None,
        timezone: str | None = None,
    ) -> LaunchChange:
        return await self._status(
            guild_id, actor, launch_id, LaunchStatus.POSTPONED, date, source, timezone
        )

    async def cancel(
        self, guild_id: int, actor: Actor, launch_id: int, source: NewClaim | None = None
    ) -> LaunchChange:
        return await self._status(guild_id, actor, launch_id, LaunchStatus.CANCELLED, None, source)

    async def mark_launched(
        self,
        guild_id: int,
        actor: Actor,
        launch_id: int,
        date: str | None = None,
        timezone: str | None = None,
    ) -> LaunchChange:
        return await self._status(
            guild_id, actor, launch_id, LaunchStatus.LAUNCHED, date, timezone=timezone
        )

    async def remove(self, guild_id: int, actor: Actor, launch_id: int) -> LaunchChange:
        async with self.unit(guild_id, actor) as writer:
            return await writer.remove(launch_id)

    async def add_claim(
        self, guild_id: int, actor: Actor, launch_id: int, new: NewClaim
    ) -> ClaimAdded:
        """Any member may record a claim; it never changes the launch itself."""
        async with self.unit(guild_id, actor, editor=False) as writer:
            return await writer.add_claim(launch_id, new)

    async def adopt_claim(
        self, guild_id: int, actor: Actor, launch_id: int, claim_id: int
    ) -> LaunchChange:
        async with self.unit(guild_id, actor) as writer:
            return await writer.adopt(launch_id, claim_id)

    @asynccontextmanager
    async def event_mirror(self, guild_id: int) -> AsyncIterator[StoredEvents]:
        """One connection, held for one mirror of a launch's Discord event."""
        engine: AsyncEngine = self._sessions.kw["bind"]
        async with engine.connect() as connection, self._sessions(bind=connection) as session:
            yield StoredEvents(session, guild_id, self._defaults, self._clock)

    # reading ----------------------------------------------------------------------------------

    async def require_editor(self, guild_id: int, actor: Actor) -> None:
        if actor.member is None:
            return  # the command line: no need to read the settings
        async with reading(self._sessions) as session:
            settings = await load_guild_settings(session, guild_id, self._defaults)
        require_editor(actor.member, settings.editor_role_id)

    async def get(self, guild_id: int, launch_id: int) -> LaunchRecord:
        async with reading(self._sessions) as session:
            return await _launch(session, guild_id, launch_id)

    async def card(self, guild_id: int, launch_id: int) -> LaunchCard:
        """A launch, its claims, its next scheduled post and its newest polls: three statements
        (four for a launch that has had polls), no audit log."""

        async def work(session: ReadSession) -> LaunchCard:
            row = await q.card_launch(session, guild_id, launch_id)
            if row is None:
                raise LaunchNotFound(f"There is no launch #{launch_id} in this server.")
            launch = (await launch_records(session, guild_id, [row]))[0]
            claims = await q.claim_rows(session, guild_id, launch_id)
            polls = await card_polls(session, guild_id, launch_id) if row.has_polls else ()
            return LaunchCard(
                launch, tuple(claim_record(r) for r in claims), row.next_post_at, polls
            )

        return await read(self._sessions, work)

    async def history(self, guild_id: int, launch_id: int) -> History:
        async with reading(self._sessions) as session:
            launch = await _launch(session, guild_id, launch_id)
            rows = await q.claim_rows(session, guild_id, launch_id)
            entries = await audit_for(session, guild_id, "launch", launch_id)
            return History(launch, tuple(claim_record(r) for r in rows), entries)

    async def upcoming(
        self, guild_id: int, wanted: UpcomingFilter | None = None, page: PageRequest | None = None
    ) -> Page:
        """A page of the launches ahead, earliest first (a vague window sorts by its start)."""
        wanted = wanted or UpcomingFilter(start=self._clock())
        page = page or PageRequest()
        limit = max(1, min(page.limit, MAX_PAGE))

        async def work(session: ReadSession) -> Page:
            total, exact = page.total, page.total_exact
            if total is None:
                counted = await q.count_upcoming(session, guild_id, wanted, COUNT_CAP)
                total, exact = min(counted, COUNT_CAP), counted <= COUNT_CAP
            size = limit
            if page.turn is Turn.LAST and exact and total % limit:
                size = total % limit  # the last page holds what the forward pages left
            rows = await q.upcoming_rows(session, guild_id, wanted, page.turn, page.key, size + 1)
            more = len(rows) > size
            rows = rows[1:] if more and page.turn in (Turn.PREVIOUS, Turn.LAST) else rows[:size]
            items = await launch_records(session, guild_id, rows, with_aliases=False)
            return _page(tuple(items), total, exact, limit, page, more)

        # a filter on brand, region or status may walk the server's launches to fill a page
        bounded = not (wanted.brand or wanted.region or wanted.status is not None)
        return await read(self._sessions, work, on_loop=bounded)

    async def all(self, guild_id: int, *, offset: int = 0, limit: int = 1000) -> Listing:
        """Every launch, dated ones by date, then undated ones."""
        async with reading(self._sessions) as session:
            total = await q.count_launches(session, guild_id)
            rows = await q.all_rows(session, guild_id, max(0, offset), max(1, min(limit, 10_000)))
            return Listing(tuple(await launch_records(session, guild_id, rows)), total)

    async def claims_of(
        self, guild_id: int, launch_ids: list[int]
    ) -> dict[int, tuple[ClaimRecord, ...]]:
        """The claims of many launches at once, oldest first (exports)."""
        async with reading(self._sessions) as session:
            rows = await q.claims_of_launches(session, guild_id, launch_ids)
        found: dict[int, list[ClaimRecord]] = {}
        for row in rows:
            found.setdefault(row.launch_id, []).append(claim_record(row))
        return {launch_id: tuple(claims) for launch_id, claims in found.items()}

    async def search(self, guild_id: int, text: str, limit: int = 25) -> list[LaunchRecord]:
        """Launches whose device name, alias or brand contains ``text`` (for autocomplete)."""

        async def work(session: ReadSession) -> list[LaunchRecord]:
            rows = await q.search_rows(session, guild_id, text, max(1, min(limit, MAX_PAGE)))
            return await launch_records(session, guild_id, rows, with_aliases=False)

        # names that only contain the text are found by a scan of the server's devices
        return await read(self._sessions, work, on_loop=False)

    async def known_names(self, guild_id: int, text: str, limit: int = 25) -> list[str]:
        """Device names and aliases containing ``text``, for the add form's suggestions."""
        limit = max(1, min(limit, MAX_PAGE))
        async with reading(self._sessions) as session:
            names = set(await q.names_like(session, guild_id, text, limit))
        return sorted(names, key=str.casefold)[:limit]

    async def brand_names(self, guild_id: int, text: str, limit: int = 25) -> list[str]:
        async with reading(self._sessions) as session:
            return await q.brands_like(session, guild_id, text, max(1, min(limit, MAX_PAGE)))

    async def brand_keys(self, guild_id: int) -> list[str]:
        async with reading(self._sessions) as session:
            return await q.brand_keys(session, guild_id)

    async def region_keys(self, guild_id: int) -> list[str]:
        async with reading(self._sessions) as session:
            return await q.region_keys(session, guild_id)

    async def count(self, guild_id: int) -> int:
        async with reading(self._sessions) as session:
            return await q.count_launches(session, guild_id)


async def _launch(session: AsyncSession, guild_id: int, launch_id: int) -> LaunchRecord:
    row = await q.listed_launch(session, guild_id, launch_id)
    if row is None:
        raise LaunchNotFound(f"There is no launch #{launch_id} in this server.")
    return (await launch_records(session, guild_id, [row]))[0]


def _page(
    items: tuple[LaunchRecord, ...],
    total: int,
    exact: bool,
    limit: int,
    asked: PageRequest,
    more: bool,
) -> Page:
    """Where this page sits: ``more`` says a launch lies beyond it in the direction it was read."""
    turn = asked.turn
    has_previous = more if turn in (Turn.PREVIOUS, Turn.LAST) else turn is Turn.NEXT
    has_next = more if turn in (Turn.FIRST, Turn.NEXT) else turn is Turn.PREVIOUS
    if not has_previous:
        number: int | None = 1
    elif turn is Turn.LAST:
        number = -(-total // limit) if exact else None
    elif asked.number is None:
        number = None
    else:
        number = asked.number + (1 if turn is Turn.NEXT else -1)
    return Page(items, total, exact, number, has_previous, has_next, limit)
