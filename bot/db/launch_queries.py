"""Queries on launches, devices and brands; each one is scoped to a guild and index-backed.

Reads select plain columns (no ORM objects) with statements built once per shape and bound
to parameters, which is most of what a read costs in Python. Writes load ORM rows to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.launch_rows import LaunchRow, triples
from bot.db.models import Brand, Claim, Device, DeviceAlias, Launch, Post
from bot.db.read_session import ReadSession
from bot.domain.calendar_query import Turn, UpcomingFilter
from bot.domain.dates import LONGEST_WINDOW
from bot.domain.records import CalendarKey
from bot.domain.text import name_key
from bot.domain.vocabulary import LaunchKind, LaunchStatus, PostState

FINISHED = (LaunchStatus.LAUNCHED, LaunchStatus.CANCELLED)
LaunchSelect = Select[Launch, Device, Brand]
Shared = TypeVar("Shared", Brand, Device, DeviceAlias)


LAUNCHES, DEVICES, BRANDS = Launch.__table__.c, Device.__table__.c, Brand.__table__.c
CLAIMS, ALIASES = Claim.__table__.c, DeviceAlias.__table__.c
POSTS = Post.__table__.c


@cache
def listing() -> Select[Any]:
    """A launch with its device's and brand's names: the columns ``launch_record_of`` reads."""
    return (
        select(
            Launch.__table__,
            DEVICES.name.label("device_name"),
            DEVICES.is_series.label("device_is_series"),
            BRANDS.name.label("brand_name"),
        )
        .join_from(Launch.__table__, Device.__table__, DEVICES.id == LAUNCHES.device_id)
        .join(Brand.__table__, BRANDS.id == DEVICES.brand_id)
        .where(LAUNCHES.guild_id == bindparam("g"))
    )


@cache
def _one_launch() -> Select[Any]:
    return listing().where(LAUNCHES.id == bindparam("id"))


@cache
def _card_launch() -> Select[Any]:
    """``_one_launch`` and, in the same statement, when its next scheduled post is due: one seek
    on ``ix_posts_launch_guild_state_due``. The state is written into the statement: SQLite
    prepares a statement again at every execution when a bound value is compared with a column
    that a partial index is conditioned on (posts.state), which made this statement six times
    dearer. Table columns, as in every read here: one ORM attribute would send the whole
    statement's rows through the ORM's loading."""
    next_post = (
        select(func.min(POSTS.due_at))
        .where(
            POSTS.launch_id == LAUNCHES.id,
            POSTS.guild_id == LAUNCHES.guild_id,
            POSTS.state == literal_column(f"'{PostState.PENDING.value}'"),
        )
        .scalar_subquery()
        .label("next_post_at")
    )
    return _one_launch().add_columns(next_post)


async def card_launch(session: ReadSession, guild_id: int, launch_id: int) -> Row[Any] | None:
    row: Row[Any] | None = (
        await session.execute(_card_launch(), {"g": guild_id, "id": launch_id})
    ).first()
    return row


async def listed_launch(session: AsyncSession, guild_id: int, launch_id: int) -> Row[Any] | None:
    row: Row[Any] | None = (
        await session.execute(_one_launch(), {"g": guild_id, "id": launch_id})
    ).first()
    return row


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


@cache
def _claims_statement() -> Select[Any]:
    return (
        select(Claim.__table__)
        .where(CLAIMS.guild_id == bindparam("g"), CLAIMS.launch_id == bindparam("id"))
        .order_by(CLAIMS.seen_at, CLAIMS.id)
    )


async def claim_rows(session: ReadSession, guild_id: int, launch_id: int) -> Sequence[Row[Any]]:
    """A launch's claims, oldest first."""
    result = await session.execute(_claims_statement(), {"g": guild_id, "id": launch_id})
    rows: Sequence[Row[Any]] = result.all()
    return rows


async def claims_of_launches(
    session: AsyncSession, guild_id: int, launch_ids: list[int]
) -> Sequence[Row[Any]]:
    if not launch_ids:
        return []
    result = await session.execute(
        select(Claim.__table__)
        .where(CLAIMS.guild_id == guild_id, CLAIMS.launch_id.in_(launch_ids))
        .order_by(CLAIMS.launch_id, CLAIMS.seen_at, CLAIMS.id)
    )
    return result.all()


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


async def insert_unless_taken(
    session: AsyncSession, model: type[Shared], key: tuple[str, ...], **values: Any
) -> Shared | None:
    """Inserts a row that concurrent writers may create at the same moment (a brand, a device,
    an alias): the new row, or None when a row with the same unique ``key`` exists. One
    ``INSERT ... ON CONFLICT DO NOTHING``, which on PostgreSQL waits for a writer inserting the
    same key to finish, so a None means the other row is committed and can be read."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(model).values(**values).on_conflict_do_nothing(index_elements=key).returning(model)
    )
    row: Shared | None = await session.scalar(statement)
    return row


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


@dataclass(frozen=True, slots=True)
class _Shape:
    """What makes one upcoming query differ from another, apart from its parameter values."""

    end: bool
    brand: bool
    region: bool
    status: bool
    include_finished: bool

    @classmethod
    def of(cls, wanted: UpcomingFilter) -> _Shape:
        return cls(
            end=wanted.end is not None,
            brand=bool(wanted.brand),
            region=bool(wanted.region),
            status=wanted.status is not None,
            include_finished=wanted.include_finished,
        )


def _params(guild_id: int, wanted: UpcomingFilter) -> dict[str, Any]:
    return {
        "g": guild_id,
        "now": wanted.start,
        "earliest": wanted.start - LONGEST_WINDOW,
        "end": wanted.end,
        "brand": name_key(wanted.brand) if wanted.brand else None,
        "region": name_key(wanted.region) if wanted.region else None,
        "status": wanted.status,
    }


def _filtered(query: Select[Any], shape: _Shape) -> Select[Any]:
    query = query.where(
        LAUNCHES.guild_id == bindparam("g"),
        LAUNCHES.window_start > bindparam("earliest"),
        LAUNCHES.window_end > bindparam("now"),
    )
    if shape.end:
        query = query.where(LAUNCHES.window_start < bindparam("end"))
    if shape.brand:
        query = query.where(BRANDS.name_key == bindparam("brand"))
    if shape.region:
        query = query.where(LAUNCHES.region_key == bindparam("region"))
    if shape.status:
        query = query.where(LAUNCHES.status == bindparam("status", type_=LAUNCHES.status.type))
    elif not shape.include_finished:
        query = query.where(LAUNCHES.status.not_in(FINISHED))
    return query


def _after() -> ColumnElement[bool]:
    start, end = (
        bindparam("key_start", type_=LAUNCHES.window_start.type),
        bindparam("key_end", type_=LAUNCHES.window_end.type),
    )
    launch = bindparam("key_id", type_=LAUNCHES.id.type)
    return and_(
        LAUNCHES.window_start >= start,
        or_(
            LAUNCHES.window_start > start,
            LAUNCHES.window_end > end,
            and_(LAUNCHES.window_end == end, LAUNCHES.id > launch),
        ),
    )


def _before() -> ColumnElement[bool]:
    start, end = (
        bindparam("key_start", type_=LAUNCHES.window_start.type),
        bindparam("key_end", type_=LAUNCHES.window_end.type),
    )
    launch = bindparam("key_id", type_=LAUNCHES.id.type)
    return and_(
        LAUNCHES.window_start <= start,
        or_(
            LAUNCHES.window_start < start,
            LAUNCHES.window_end < end,
            and_(LAUNCHES.window_end == end, LAUNCHES.id < launch),
        ),
    )


@cache
def _upcoming_statement(shape: _Shape, turn: Turn, keyed: bool) -> Select[Any]:
    query = _filtered(listing(), shape)
    if keyed and turn is Turn.NEXT:
        query = query.where(_after())
    elif keyed and turn is Turn.PREVIOUS:
        query = query.where(_before())
    columns = (LAUNCHES.window_start, LAUNCHES.window_end, LAUNCHES.id)
    backwards = turn in (Turn.PREVIOUS, Turn.LAST)
    return query.order_by(*(c.desc() for c in columns) if backwards else columns).limit(
        bindparam("limit")
    )


async def upcoming_rows(
    session: ReadSession,
    guild_id: int,
    wanted: UpcomingFilter,
    turn: Turn,
    key: CalendarKey | None,
    limit: int,
) -> list[Row[Any]]:
    """Up to ``limit`` launches in calendar order, from the start, the end, or either side of
    ``key``: a keyset over the (guild_id, window_start, window_end, id, status) index."""
    params = _params(guild_id, wanted) | {"limit": limit}
    if key is not None:
        params |= {"key_start": key.start, "key_end": key.end, "key_id": key.id}
    statement = _upcoming_statement(_Shape.of(wanted), turn, key is not None)
    rows = list((await session.execute(statement, params)).all())
    return rows[::-1] if turn in (Turn.PREVIOUS, Turn.LAST) else rows


@cache
def _count_statement(shape: _Shape) -> Select[Any]:
    ids = select(LAUNCHES.id)
    if shape.brand:
        ids = ids.join_from(Launch.__table__, Device.__table__, DEVICES.id == LAUNCHES.device_id)
        ids = ids.join(Brand.__table__, BRANDS.id == DEVICES.brand_id)
    capped = _filtered(ids, shape).limit(bindparam("cap")).subquery()
    return select(func.count()).select_from(capped)


async def count_upcoming(
    session: ReadSession, guild_id: int, wanted: UpcomingFilter, cap: int
) -> int:
    """How many launches match, counting no further than ``cap + 1``."""
    params = _params(guild_id, wanted) | {"cap": cap + 1}
    return int(await session.scalar(_count_statement(_Shape.of(wanted)), params) or 0)


async def all_rows(
    session: AsyncSession, guild_id: int, offset: int, limit: int
) -> Sequence[Row[Any]]:
    """Every launch, dated ones by date, then undated ones (the command line and exports)."""
    query = listing().order_by(
        LAUNCHES.window_start.is_(None), LAUNCHES.window_start, LAUNCHES.window_end, LAUNCHES.id
    )
    result = await session.execute(query.offset(offset).limit(limit), {"g": guild_id})
    rows: Sequence[Row[Any]] = result.all()
    return rows


async def count_launches(session: AsyncSession, guild_id: int) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Launch).where(Launch.guild_id == guild_id)
    )
    return int(total or 0)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_rows(
    session: ReadSession, guild_id: int, text: str, limit: int
) -> Sequence[Row[Any]]:
    """Launches whose device name, alias or brand contains ``text``; names that start with it
    first. Those are read through the devices' ``(guild_id, name_key)`` index in its order, so
    typing a name costs a few index steps however big the server; the scan for names that only
    contain the text runs only when they do not fill the list."""
    key = name_key(text)
    found = list(await session.execute(_starting_with(key, limit), {"g": guild_id}))
    if len(found) < limit:
        query = _containing(key, limit - len(found), [row.id for row in found])
        found += await session.execute(query, {"g": guild_id})
    return found


def _starting_with(key: str, limit: int) -> Select[Any]:
    """The launches of the first ``limit`` devices, by name, whose name starts with ``key``: the
    devices are taken from their index first, so the join never sees more than ``limit``."""
    devices = select(Device.id).where(
        Device.guild_id == bindparam("g"),
        Device.name_key.like(f"{_escape_like(key)}%", escape="\\"),
    )
    if key and key[-1] < chr(0x10FFFF):
        # the same names as a range of the index (in code point order, as SQLite and a C or
        # C.UTF-8 collation compare; under another collation the LIKE above keeps it exact)
        after = key[:-1] + chr(ord(key[-1]) + 1)
        devices = devices.where(Device.name_key >= key, Device.name_key < after)
    first = devices.order_by(Device.name_key).limit(limit).scalar_subquery()
    query = listing().where(DEVICES.id.in_(first))
    return query.order_by(DEVICES.name_key, LAUNCHES.id).limit(limit)


def _containing(key: str, limit: int, shown: list[int]) -> Select[Any]:
    escaped = _escape_like(key)
    pattern = f"%{escaped}%"
    alias_match = (
        select(DeviceAlias.device_id)
        .where(
            DeviceAlias.guild_id == bindparam("g"),
            DeviceAlias.alias_key.like(pattern, escape="\\"),
        )
        .scalar_subquery()
    )
    query = listing().where(
        or_(
            DEVICES.name_key.like(pattern, escape="\\"),
            BRANDS.name_key.like(pattern, escape="\\"),
            DEVICES.id.in_(alias_match),
        )
    )
    if shown:
        query = query.where(LAUNCHES.id.not_in(shown))
    starts = DEVICES.name_key.like(f"{escaped}%", escape="\\")
    return query.order_by(starts.desc(), DEVICES.name_key, LAUNCHES.id).limit(limit)


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


async def brand_keys(session: AsyncSession, guild_id: int) -> list[str]:
    return list(await session.scalars(select(Brand.name_key).where(Brand.guild_id == guild_id)))


async def region_keys(session: AsyncSession, guild_id: int) -> list[str]:
    """Every region a launch of the server names (reads the server's launches: use sparingly)."""
    found = await session.scalars(
        select(Launch.region_key).where(Launch.guild_id == guild_id).distinct()
    )
    return list(found)
