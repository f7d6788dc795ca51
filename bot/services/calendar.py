"""The calendar service: the one entry point for reading and changing a server's launches.

Every call takes the guild id first and only ever touches that guild's rows. Each change runs in
its own transaction and is written to the audit log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.audit_rows import audit_for
from bot.db.models import Brand, Device, DeviceAlias, Launch
from bot.domain.errors import InvalidInput
from bot.domain.guild_settings import GuildDefaults
from bot.domain.inputs import LaunchEdit, NewClaim, NewLaunch
from bot.domain.records import Actor, ClaimRecord, History, LaunchChange, LaunchRecord, Page
from bot.domain.text import name_key
from bot.domain.vocabulary import LaunchStatus
from bot.services.calendar_ops import CalendarOps, LaunchQuery, triples

FINISHED = (LaunchStatus.LAUNCHED, LaunchStatus.CANCELLED)
MAX_PAGE = 100


class CalendarService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        defaults: GuildDefaults,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._defaults = defaults

    @asynccontextmanager
    async def unit(self, guild_id: int, actor: Actor) -> AsyncIterator[CalendarOps]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        try:
            async with self._sessions() as session, session.begin():
                yield CalendarOps(session, guild_id, actor, self._clock, self._defaults)
        except IntegrityError:
            raise InvalidInput(
                "Someone else changed the same thing at the same moment; please try again."
            ) from None

    @asynccontextmanager
    async def _reader(self, guild_id: int) -> AsyncIterator[CalendarOps]:
        async with self._sessions() as session:
            yield CalendarOps(session, guild_id, Actor.cli(), self._clock, self._defaults)

    # changes ---------------------------------------------------------------------------------

    async def add(
        self, guild_id: int, actor: Actor, new: NewLaunch, source: NewClaim | None = None
    ) -> LaunchRecord:
        async with self.unit(guild_id, actor) as ops:
            view = await ops.add(new)
            if source is not None:
                await ops.add_claim(view.id, source)
            return view

    async def edit(
        self, guild_id: int, actor: Actor, launch_id: int, edit: LaunchEdit
    ) -> LaunchChange:
        async with self.unit(guild_id, actor) as ops:
            return await ops.edit(launch_id, edit)

    async def _status(
        self,
        guild_id: int,
        actor: Actor,
        launch_id: int,
        status: LaunchStatus,
        date: str | None,
        source: NewClaim | None,
        timezone: str | None = None,
    ) -> LaunchChange:
        async with self.unit(guild_id, actor) as ops:
            change = await ops.set_status(launch_id, status, date, timezone=timezone)
            if source is not None:
                await ops.add_claim(launch_id, source)
            return change

    async def confirm(
        self,
        guild_id: int,
        actor: Actor,
        launch_id: int,
        date: str,
        source: NewClaim | None = None,
        timezone: str | None = None,
    ) -> LaunchChange:
        return await self._status(
            guild_id, actor, launch_id, LaunchStatus.CONFIRMED, date, source, timezone
        )

    async def tease(
        self, guild_id: int, actor: Actor, launch_id: int, date: str | None = None
    ) -> LaunchChange:
        return await self._status(guild_id, actor, launch_id, LaunchStatus.TEASED, date, None)

    async def postpone(
        self,
        guild_id: int,
        actor: Actor,
        launch_id: int,
        date: str | None = None,
        source: NewClaim | None = None,
    ) -> LaunchChange:
        return await self._status(guild_id, actor, launch_id, LaunchStatus.POSTPONED, date, source)

    async def cancel(
        self, guild_id: int, actor: Actor, launch_id: int, source: NewClaim | None = None
    ) -> LaunchChange:
        return await self._status(guild_id, actor, launch_id, LaunchStatus.CANCELLED, None, source)

    async def mark_launched(
        self, guild_id: int, actor: Actor, launch_id: int, date: str | None = None
    ) -> LaunchChange:
        return await self._status(guild_id, actor, launch_id, LaunchStatus.LAUNCHED, date, None)

    async def remove(self, guild_id: int, actor: Actor, launch_id: int) -> LaunchChange:
        async with self.unit(guild_id, actor) as ops:
            return await ops.remove(launch_id)

    async def add_claim(
        self, guild_id: int, actor: Actor, launch_id: int, new: NewClaim
    ) -> ClaimRecord:
        async with self.unit(guild_id, actor) as ops:
            return await ops.add_claim(launch_id, new)

    async def adopt_claim(
        self, guild_id: int, actor: Actor, launch_id: int, claim_id: int
    ) -> LaunchChange:
        async with self.unit(guild_id, actor) as ops:
            return await ops.adopt(launch_id, claim_id)

    # reading ---------------------------------------------------------------------------------

    async def get(self, guild_id: int, launch_id: int) -> LaunchRecord:
        async with self._reader(guild_id) as ops:
            return await ops.view(launch_id)

    async def history(self, guild_id: int, launch_id: int) -> History:
        async with self._reader(guild_id) as ops:
            launch = await ops.view(launch_id)
            claims = await ops.claims(launch_id)
            entries = await audit_for(ops.session, guild_id, "launch", launch_id)
            return History(launch, claims, entries)

    async def upcoming(
        self,
        guild_id: int,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        brand: str | None = None,
        status: LaunchStatus | None = None,
        region: str | None = None,
        include_finished: bool = False,
        offset: int = 0,
        limit: int = 25,
    ) -> Page:
        """Launches whose window has not ended by ``start`` (default now), earliest first.

        A vague window sorts by its start. Launched and cancelled ones are left out unless asked
        for by ``status`` or ``include_finished``.
        """
        begin = start or self._clock()
        async with self._reader(guild_id) as ops:
            query = ops.joined().where(Launch.window_end > begin)
            if end is not None:
                query = query.where(Launch.window_start < end)
            query = _filtered(query, brand, status, region, include_finished)
            return await _page(ops, query, offset, limit)

    async def all(self, guild_id: int, *, offset: int = 0, limit: int = 1000) -> Page:
        """Every launch, dated ones by date, then undated ones."""
        async with self._reader(guild_id) as ops:
            return await _page(ops, ops.joined(), offset, limit, max_limit=10_000)

    async def search(self, guild_id: int, text: str, limit: int = 25) -> list[LaunchRecord]:
        """Launches whose device name, alias or brand contains ``text`` (for autocomplete)."""
        key = name_key(text)
        pattern = f"%{_escape_like(key)}%"
        async with self._reader(guild_id) as ops:
            alias_match = (
                select(DeviceAlias.device_id)
                .where(
                    DeviceAlias.guild_id == guild_id,
                    DeviceAlias.alias_key.like(pattern, escape="\\"),
                )
                .scalar_subquery()
            )
            query = ops.joined().where(
                or_(
                    Device.name_key.like(pattern, escape="\\"),
                    Brand.name_key.like(pattern, escape="\\"),
                    Device.id.in_(alias_match),
                )
            )
            starts = Device.name_key.like(f"{_escape_like(key)}%", escape="\\")
            query = query.order_by(starts.desc(), Device.name_key, Launch.id).limit(
                min(limit, MAX_PAGE)
            )
            return await ops.views(triples(await ops.session.execute(query)))

    async def set_event_id(self, guild_id: int, launch_id: int, event_id: int | None) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.scalar(
                select(Launch).where(Launch.guild_id == guild_id, Launch.id == launch_id)
            )
            if row is not None:
                row.discord_event_id = event_id

    async def known_names(self, guild_id: int, text: str, limit: int = 25) -> list[str]:
        """Device names, aliases and brands containing ``text``, for the add form's suggestions."""
        pattern = f"%{_escape_like(name_key(text))}%"
        limit = max(1, min(limit, MAX_PAGE))
        queries = [
            select(Device.name).where(
                Device.guild_id == guild_id, Device.name_key.like(pattern, escape="\\")
            ),
            select(DeviceAlias.alias).where(
                DeviceAlias.guild_id == guild_id, DeviceAlias.alias_key.like(pattern, escape="\\")
            ),
        ]
        async with self._sessions() as session:
            names: set[str] = set()
            for query in queries:
                names.update(await session.scalars(query.limit(limit)))
        return sorted(names, key=str.casefold)[:limit]

    async def brand_names(self, guild_id: int, text: str, limit: int = 25) -> list[str]:
        pattern = f"%{_escape_like(name_key(text))}%"
        async with self._sessions() as session:
            found = await session.scalars(
                select(Brand.name)
                .where(Brand.guild_id == guild_id, Brand.name_key.like(pattern, escape="\\"))
                .order_by(Brand.name_key)
                .limit(max(1, min(limit, MAX_PAGE)))
            )
            return list(found)

    async def count(self, guild_id: int) -> int:
        async with self._sessions() as session:
            total = await session.scalar(
                select(func.count()).select_from(Launch).where(Launch.guild_id == guild_id)
            )
            return int(total or 0)


def _filtered(
    query: LaunchQuery,
    brand: str | None,
    status: LaunchStatus | None,
    region: str | None,
    include_finished: bool,
) -> LaunchQuery:
    if brand:
        query = query.where(Brand.name_key == name_key(brand))
    if region:
        query = query.where(Launch.region_key == name_key(region))
    if status is not None:
        query = query.where(Launch.status == status)
    elif not include_finished:
        query = query.where(Launch.status.not_in(FINISHED))
    return query


async def _page(
    ops: CalendarOps, query: LaunchQuery, offset: int, limit: int, max_limit: int = MAX_PAGE
) -> Page:
    limit = max(1, min(limit, max_limit))
    offset = max(0, offset)
    total = await ops.session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(
        Launch.window_start.is_(None), Launch.window_start, Launch.window_end, Launch.id
    )
    result = await ops.session.execute(ordered.offset(offset).limit(limit))
    return Page(tuple(await ops.views(triples(result))), int(total or 0), offset, limit)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
