"""Bulk reads and writes for the catalog importer, on one connection.

Existing rows are read with a handful of queries, each with its list of keys or ids as one
parameter (``among``). Ids for new rows are reserved up front, so that every row can be built
before anything is written; rows then go in with one executemany per table on SQLite, and multi-row
INSERTs of up to 1,000 rows on PostgreSQL; changes go in as executemany UPDATEs. Values are
converted once, by the columns' own types (``Codec``), not once per row and column.

On SQLite the reads happen before the write lock is taken. ``write_lock`` then takes it (BEGIN
IMMEDIATE) and says whether another connection committed in between (``PRAGMA data_version``),
in which case the caller starts over; so the lock is held only while rows are written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from asyncpg.exceptions import IntegrityConstraintViolationError  # type: ignore[import-untyped]
from sqlalchemy import any_, bindparam, column, func, literal_column, select, table, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ColumnElement, Select, TableClause

from bot.db.models import AuditEntry, Brand, Claim, Device, DeviceAlias, Launch
from bot.domain.catalog_prepare import Span
from bot.domain.dates import DateWindow, window_from_record
from bot.domain.vocabulary import ClaimSubject, FeaturePresence, LaunchKind, LaunchStatus

INSERT_BATCH = 1000
PG_MAX_PARAMETERS = 32767

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BrandRow:
    id: int
    name: str
    key: str


@dataclass(frozen=True, slots=True)
class DeviceRow:
    id: int
    brand_id: int
    name: str
    key: str
    is_series: bool


@dataclass(frozen=True, slots=True)
class LaunchRow:
    id: int
    device_id: int
    region: str
    region_key: str
    kind: LaunchKind
    status: LaunchStatus
    window: DateWindow | None
    timezone: str
    confidence: int | None
    livestream_url: str | None
    partner: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: int
    launch_id: int
    subject: ClaimSubject
    window: Span | None
    feature: str | None
    present: FeaturePresence | None
    source_url: str | None
    author: str | None
    seen_at: datetime
    superseded_by_id: int | None


Among = tuple[ColumnElement[bool], dict[str, Any]] | None


def among(conn: AsyncConnection, column: Any, values: Iterable[Any]) -> Among:
    """``column`` is one of ``values``, however many, with the list as one parameter: an array
    on PostgreSQL, a JSON list read by ``json_each`` on SQLite. So each read is one statement
    (``IN (...)`` lists had to be chunked under SQLite's oldest limit of 999 parameters, and
    each chunk's 900 parameters were compiled anew). None when there are no values."""
    items = list(dict.fromkeys(values))
    if not items:
        return None
    if conn.dialect.name == "postgresql":
        listed = bindparam("among", type_=postgresql.ARRAY(column.type))
        return column == any_(listed), {"among": items}
    given: Select[Any] = select(literal_column("value")).select_from(
        func.json_each(bindparam("among"))
    )
    return column.in_(given), {"among": json.dumps(items)}


async def _rows(
    conn: AsyncConnection, query: Select[*tuple[Any, ...]], condition: Among
) -> Sequence[Any]:
    """The rows of ``query`` that meet ``condition`` (from ``among``); none when it is None."""
    if condition is None:
        return []
    where, parameters = condition
    return (await conn.execute(query.where(where), parameters)).all()


async def brands(
    conn: AsyncConnection, guild_id: int, keys: Iterable[str] = (), ids: Iterable[int] = ()
) -> list[BrandRow]:
    found: list[BrandRow] = []
    query = select(Brand.id, Brand.name, Brand.name_key).where(Brand.guild_id == guild_id)
    for where, values in ((Brand.name_key, keys), (Brand.id, ids)):
        found.extend(BrandRow(*r) for r in await _rows(conn, query, among(conn, where, values)))
    return found


async def devices(
    conn: AsyncConnection, guild_id: int, keys: Iterable[str] = (), ids: Iterable[int] = ()
) -> list[DeviceRow]:
    found: list[DeviceRow] = []
    columns = (Device.id, Device.brand_id, Device.name, Device.name_key, Device.is_series)
    query = select(*columns).where(Device.guild_id == guild_id)
    for where, values in ((Device.name_key, keys), (Device.id, ids)):
        found.extend(DeviceRow(*r) for r in await _rows(conn, query, among(conn, where, values)))
    return found


async def alias_owners(conn: AsyncConnection, guild_id: int, keys: Iterable[str]) -> dict[str, int]:
    """Device id by alias key, for the aliases among ``keys``."""
    query = select(DeviceAlias.alias_key, DeviceAlias.device_id).where(
        DeviceAlias.guild_id == guild_id
    )
    rows = await _rows(conn, query, among(conn, DeviceAlias.alias_key, keys))
    return {key: device_id for key, device_id in rows}


async def launches(
    conn: AsyncConnection, guild_id: int, device_ids: Iterable[int]
) -> list[LaunchRow]:
    """The devices' launches, locked until the transaction ends (PostgreSQL) like any edit."""
    found: list[LaunchRow] = []
    t = Launch
    columns = (
        t.id, t.device_id, t.region, t.region_key, t.kind, t.status, t.window_start,
        t.window_end, t.precision, t.timezone, t.confidence, t.livestream_url, t.partner, t.note,
    )  # fmt: skip
    query = select(*columns).where(t.guild_id == guild_id).with_for_update()
    for r in await _rows(conn, query, among(conn, t.device_id, device_ids)):
        window = None
        if r.window_start is not None and r.window_end is not None and r.precision:
            start, end, precision = r.window_start, r.window_end, r.precision.value
            window = window_from_record(start, end, precision, r.timezone)
        found.append(LaunchRow(r.id, r.device_id, r.region, r.region_key, r.kind, r.status,
                               window, r.timezone, r.confidence, r.livestream_url, r.partner,
                               r.note))  # fmt: skip
    return found


async def claims(conn: AsyncConnection, guild_id: int, launch_ids: Iterable[int]) -> list[ClaimRow]:
    found: list[ClaimRow] = []
    c = Claim
    columns = (
        c.id, c.launch_id, c.subject, c.window_start, c.window_end, c.precision, c.feature,
        c.present, c.source_url, c.author, c.seen_at, c.superseded_by_id,
    )  # fmt: skip
    query = select(*columns).where(c.guild_id == guild_id).order_by(c.seen_at, c.id)
    for r in await _rows(conn, query, among(conn, c.launch_id, launch_ids)):
        window = None
        if r.window_start and r.window_end and r.precision:
            window = (r.window_start, r.window_end, r.precision)
        found.append(ClaimRow(r.id, r.launch_id, r.subject, window, r.feature, r.present,
                              r.source_url, r.author, r.seen_at,
                              r.superseded_by_id))  # fmt: skip
    return found


# ids, changes and the write lock ----------------------------------------------------------------

TABLES = ("brands", "devices", "device_aliases", "launches", "claims", "audit_log")
"""The tables an import writes, parents before children."""


async def data_version(conn: AsyncConnection) -> int | None:
    """SQLite's count of commits by other connections (None elsewhere)."""
    if conn.dialect.name != "sqlite":
        return None
    return int((await conn.exec_driver_sql("PRAGMA data_version")).scalar_one())


async def plan_once(conn: AsyncConnection) -> None:
    """PostgreSQL: this transaction's statements are planned once and the plan reused (the engine
    plans every execution anew, for the bot's reads)."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql("SET LOCAL plan_cache_mode = auto")


async def write_lock(conn: AsyncConnection, seen_version: int | None) -> bool:
    """Takes SQLite's write lock now; False if another connection committed since
    ``seen_version`` was read (what was read may be stale: the caller checks it)."""
    if conn.dialect.name != "sqlite":
        return True
    await conn.exec_driver_sql("BEGIN IMMEDIATE")
    return seen_version is None or await data_version(conn) == seen_version


async def release_lock(conn: AsyncConnection) -> None:
    """SQLite: ends the transaction ``write_lock`` began, writing nothing."""
    await conn.exec_driver_sql("ROLLBACK")


async def tops(conn: AsyncConnection, names: Iterable[str] = TABLES) -> dict[str, int]:
    """SQLite: each table's largest id so far (AUTOINCREMENT's record included): a new row's id
    is above it."""
    names = list(names)
    if not names:
        return {}
    found = (
        await conn.exec_driver_sql(
            "SELECT "
            + ", ".join(
                f"max(coalesce((SELECT max(id) FROM {name}), 0), coalesce((SELECT seq FROM "
                f"sqlite_sequence WHERE name = '{name}'), 0))"
                for name in names
            )
        )
    ).one()
    return dict(zip(names, found, strict=True))


async def guild_changed(conn: AsyncConnection, guild_id: int, marks: dict[str, int]) -> bool:
    """Whether a row of the server's was added above ``marks`` (ids read before an import's
    reads) in any of these tables. Every change of a launch, a claim or a setting adds an audit
    row, so this tells whether what the import read may have changed. Each look is a seek on
    the ids added since, however large the tables."""
    sql = " OR ".join(
        f"EXISTS (SELECT 1 FROM {name} WHERE id > {int(mark)} AND guild_id = :g)"
        for name, mark in marks.items()
    )
    return bool((await conn.execute(text(f"SELECT {sql}"), {"g": guild_id})).scalar_one())


async def reserve_ids(conn: AsyncConnection, counts: dict[str, int]) -> dict[str, Sequence[int]]:
    """``counts[table]`` new ids per table, ascending. PostgreSQL takes them from the tables'
    sequences; SQLite counts on from the largest id, and the rows are moved up when they are
    written if others took those ids meanwhile (``catalog_staging``)."""
    wanted = {name: n for name, n in counts.items() if n > 0}
    if not wanted:
        return {}
    if conn.dialect.name == "postgresql":
        # the sequences first: named in the query that draws the ids, each would be looked up
        # again for every id drawn (ten times slower)
        sequences = (
            await conn.exec_driver_sql(
                "SELECT "
                + ", ".join(
                    f"CAST(CAST(pg_get_serial_sequence('{name}', 'id') AS regclass) AS oid)"
                    for name in wanted
                )
            )
        ).one()
        reserved: dict[str, Sequence[int]] = {}
        for (name, n), sequence in zip(wanted.items(), sequences, strict=True):
            ids = await conn.scalar(
                text(
                    "SELECT array_agg(nextval(CAST(CAST(:seq AS oid) AS regclass))) "
                    "FROM generate_series(1, :n)"
                ),
                {"seq": sequence, "n": n},
            )
            reserved[name] = sorted(ids)
        return reserved
    found = await tops(conn, wanted)
    return {name: range(found[name] + 1, found[name] + 1 + n) for name, n in wanted.items()}


# writing ---------------------------------------------------------------------------------------


class Codec:
    """Database values for the few column types that need converting, converted once each."""

    def __init__(self, dialect: Dialect) -> None:
        self._time = _processor(Launch.__table__.c.created_at.type, dialect)
        if dialect.name == "sqlite":
            self._time = _sqlite_time
        self._json = _json_text(_processor(AuditEntry.__table__.c.after.type, dialect))
        self._null = self._json(None)
        self._times: dict[datetime, Any] = {}

    def time(self, value: datetime | None) -> Any:
        if value is None:
            return None
        converted = self._times.get(value)
        if converted is None:
            converted = self._times[value] = self._time(value)
        return converted

    def json(self, value: object) -> Any:
        return self._null if value is None else self._json(value)


_SAMPLE = {"text": 'é "quoted"\n', "none": None, "number": 1, "list": [1.5, True, "x"]}


def _json_text(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The JSON column's bind processor (``json.dumps``), made faster for the audit rows: one C
    encoder made once, where ``json.dumps`` makes one per call (half the time of a small dict).
    Used only if it writes exactly what the processor writes; ``None`` goes to the processor."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return process
    encode = make(
        None, _unserializable, json.encoder.encode_basestring_ascii, None, ": ", ", ",
        False, False, True,
    )  # fmt: skip

    def fast(value: Any) -> Any:
        return process(value) if value is None else "".join(encode(value, 0))

    return fast if fast(_SAMPLE) == process(_SAMPLE) else process


def _unserializable(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _sqlite_time(value: datetime) -> str:
    """What ``UTCDateTime`` stores on SQLite (naive UTC text with microseconds), in one step
    rather than through two layers of bind processors."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r} given where aware UTC is required")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _processor(kind: Any, dialect: Dialect) -> Callable[[Any], Any]:
    process = kind.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


def _light(name: str, columns: Iterable[str]) -> TableClause:
    """The table with just these columns, untyped: values go to the driver as they are."""
    return table(name, *(column(c) for c in columns))


async def copy_rows(
    conn: AsyncConnection, name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """PostgreSQL: complete rows (ids included), values in ``columns`` order, in one COPY on
    the driver's connection, inside the transaction. A row that breaks a constraint raises
    ``IntegrityError``, as any other statement's would."""
    if not rows:
        return
    driver: Any = (await conn.get_raw_connection()).driver_connection
    try:
        await driver.copy_records_to_table(name, records=rows, columns=columns)
    except IntegrityConstraintViolationError as error:
        raise IntegrityError(f"COPY {name}", None, error) from error


async def update_rows(
    conn: AsyncConnection, name: str, guild_id: int, rows: list[dict[str, Any]]
) -> None:
    """executemany UPDATE by id; every row carries ``id`` and the same other columns."""
    if not rows:
        return
    light = _light(name, ["guild_id", *rows[0]])
    values: dict[str, Any] = {key: bindparam(f"v_{key}") for key in rows[0] if key != "id"}
    statement = (
        update(light)
        .where(light.c.guild_id == guild_id, light.c.id == bindparam("v_id"))
        .values(values)
    )
    await conn.execute(statement, [{f"v_{k}": v for k, v in row.items()} for row in rows])
