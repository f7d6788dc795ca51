"""Queries on launches, devices and brands; each one is scoped to a guild and index-backed."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.launch_rows import LaunchRow, triples
from bot.db.models import Brand, Claim, Device, DeviceAlias, Launch
from bot.domain.calendar_query import Turn, UpcomingFilter
from bot.domain.dates import LONGEST_WINDOW
from bot.domain.records import CalendarKey
from bot.domain.text import name_key
from bot.domain.vocabulary import LaunchKind, LaunchStatus

FINISHED = (LaunchStatus.LAUNCHED, LaunchStatus.CANCELLED)
LaunchSelect = Select[Launch, Device, Brand]


def launch_select(guild_id: int) -> LaunchSelect:
    return (
        select(Launch, Device, Brand)
        .join(Device, Device.id == Launch.device_id)
        .join(Brand, Brand.id == Device.brand_id)
        .where(Launch.guild_id == guild_id)
    )


async def launch_row(
    session: AsyncSession, guild_id: int, launch_id: int, *, lock: bool = False
) -> LaunchRow | None:
    """One launch with its device and brand. ``lock`` holds the launch row until the transaction
    ends (PostgreSQL; SQLite writes one at a time anyway), so changes to it cannot interleave."""
    query = launch_select(guild_id).where(Launch.id == launch_id)
    if lock:
        query = query.with_for_update(of=Launch)
    found = triples(await session.execute(query))
    return found[0] if found else None


async def claim_rows(session: AsyncSession, guild_id: int, launch_id: int) -> list[Claim]:
    result = await session.scalars(
        select(Claim)
        .where(Claim.guild_id == guild_id, Claim.launch_id == launch_id)
        .order_by(Claim.seen_at, Claim.id)
    )
    return list(result)


async def claims_of_launches(
    session: AsyncSession, guild_id: int, launch_ids: list[int]
) -> list[Claim]:
    if not launch_ids:
        return []
    result = await session.scalars(
        select(Claim)
        .where(Claim.guild_id == guild_id, Claim.launch_id.in_(launch_ids))
        .order_by(Claim.launch_id, Claim.seen_at, Claim.id)
    )
    return list(result)


async def device_by_name(session: AsyncSession, guild_id: int, key: str) -> Device | None:
    """The device this name key names, by its own name first, else by an alias: two unique-index
    look-ups in one statement."""
    by_name = select(Device.id.label("device_id"), literal(0).label("rank")).where(
        Device.guild_id == guild_id, Device.name_key == key
    )
    by_alias = select(DeviceAlias.device_id, literal(1).label("rank")).where(
        DeviceAlias.guild_id == guild_id, DeviceAlias.alias_key == key
    )
    found = union_all(by_name, by_alias).subquery()
    return await session.scalar(
        select(Device)
        .join(found, Device.id == found.c.device_id)
        .where(Device.guild_id == guild_id)
        .order_by(found.c.rank)
        .limit(1)
    )


async def brand_by_key(session: AsyncSession, guild_id: int, key: str) -> Brand | None:
    return await session.scalar(
        select(Brand).where(Brand.guild_id == guild_id, Brand.name_key == key)
    )


async def launch_like(
    session: AsyncSession,
    guild_id: int,
    device_id: int,
    region_key: str,
    kind: LaunchKind,
    *,
    excluding: int | None = None,
) -> Launch | None:
    """The launch with this device, region and kind (at most one exists per server)."""
    query = select(Launch).where(
        Launch.guild_id == guild_id,
        Launch.device_id == device_id,
        Launch.region_key == region_key,
        Launch.kind == kind,
    )
    if excluding is not None:
        query = query.where(Launch.id != excluding)
    return await session.scalar(query)


def _filtered(query: Select, guild_id: int, wanted: UpcomingFilter) -> Select:  # type: ignore[type-arg]
    query = query.where(
        Launch.guild_id == guild_id,
        Launch.window_start > wanted.start - LONGEST_WINDOW,
        Launch.window_end > wanted.start,
    )
    if wanted.end is not None:
        query = query.where(Launch.window_start < wanted.end)
    if wanted.brand:
        query = query.where(Brand.name_key == name_key(wanted.brand))
    if wanted.region:
        query = query.where(Launch.region_key == name_key(wanted.region))
    if wanted.status is not None:
        query = query.where(Launch.status == wanted.status)
    elif not wanted.include_finished:
        query = query.where(Launch.status.not_in(FINISHED))
    return query


def _after(key: CalendarKey) -> ColumnElement[bool]:
    return and_(
        Launch.window_start >= key.start,
        or_(
            Launch.window_start > key.start,
            Launch.window_end > key.end,
            and_(Launch.window_end == key.end, Launch.id > key.id),
        ),
    )


def _before(key: CalendarKey) -> ColumnElement[bool]:
    return and_(
        Launch.window_start <= key.start,
        or_(
            Launch.window_start < key.start,
            Launch.window_end < key.end,
            and_(Launch.window_end == key.end, Launch.id < key.id),
        ),
    )


async def upcoming_rows(
    session: AsyncSession,
    guild_id: int,
    wanted: UpcomingFilter,
    turn: Turn,
    key: CalendarKey | None,
    limit: int,
) -> list[LaunchRow]:
    """Up to ``limit`` launches in calendar order, from the start, the end, or either side of
    ``key``: a keyset over the (guild_id, window_start, window_end, id) index."""
    query = _filtered(launch_select(guild_id), guild_id, wanted)
    backwards = turn in (Turn.PREVIOUS, Turn.LAST)
    if key is not None and turn is Turn.NEXT:
        query = query.where(_after(key))
    elif key is not None and turn is Turn.PREVIOUS:
        query = query.where(_before(key))
    columns = (Launch.window_start, Launch.window_end, Launch.id)
    order = [c.desc() for c in columns] if backwards else list(columns)
    rows = triples(await session.execute(query.order_by(*order).limit(limit)))
    return rows[::-1] if backwards else rows


async def count_upcoming(
    session: AsyncSession, guild_id: int, wanted: UpcomingFilter, cap: int
) -> int:
    """How many launches match, counting no further than ``cap + 1``."""
    ids = select(Launch.id)
    if wanted.brand:
        ids = ids.join(Device, Device.id == Launch.device_id).join(
            Brand, Brand.id == Device.brand_id
        )
    capped = _filtered(ids, guild_id, wanted).limit(cap + 1).subquery()
    return int(await session.scalar(select(func.count()).select_from(capped)) or 0)


async def all_rows(
    session: AsyncSession, guild_id: int, offset: int, limit: int
) -> list[LaunchRow]:
    """Every launch, dated ones by date, then undated ones (the command line and exports)."""
    query = launch_select(guild_id).order_by(
        Launch.window_start.is_(None), Launch.window_start, Launch.window_end, Launch.id
    )
    return triples(await session.execute(query.offset(offset).limit(limit)))


async def count_launches(session: AsyncSession, guild_id: int) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Launch).where(Launch.guild_id == guild_id)
    )
    return int(total or 0)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_rows(
    session: AsyncSession, guild_id: int, text: str, limit: int
) -> list[LaunchRow]:
    """Launches whose device name, alias or brand contains ``text``; names that start with it
    first."""
    key = _escape_like(name_key(text))
    pattern = f"%{key}%"
    alias_match = (
        select(DeviceAlias.device_id)
        .where(DeviceAlias.guild_id == guild_id, DeviceAlias.alias_key.like(pattern, escape="\\"))
        .scalar_subquery()
    )
    query = launch_select(guild_id).where(
        or_(
            Device.name_key.like(pattern, escape="\\"),
            Brand.name_key.like(pattern, escape="\\"),
            Device.id.in_(alias_match),
        )
    )
    starts = Device.name_key.like(f"{key}%", escape="\\")
    query = query.order_by(starts.desc(), Device.name_key, Launch.id).limit(limit)
    return triples(await session.execute(query))


async def names_like(session: AsyncSession, guild_id: int, text: str, limit: int) -> list[str]:
    """Device names and aliases containing ``text``, in one statement."""
    pattern = f"%{_escape_like(name_key(text))}%"
    devices = select(Device.name.label("name")).where(
        Device.guild_id == guild_id, Device.name_key.like(pattern, escape="\\")
    )
    aliases = select(DeviceAlias.alias.label("name")).where(
        DeviceAlias.guild_id == guild_id, DeviceAlias.alias_key.like(pattern, escape="\\")
    )
    first, second = devices.limit(limit).subquery(), aliases.limit(limit).subquery()
    both = union_all(select(first.c.name), select(second.c.name)).subquery()
    return list(await session.scalars(select(both.c.name)))


async def brands_like(session: AsyncSession, guild_id: int, text: str, limit: int) -> list[str]:
    pattern = f"%{_escape_like(name_key(text))}%"
    found = await session.scalars(
        select(Brand.name)
        .where(Brand.guild_id == guild_id, Brand.name_key.like(pattern, escape="\\"))
        .order_by(Brand.name_key)
        .limit(limit)
    )
    return list(found)
