"""Launch and claim rows as records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, select

from bot.db.models import Brand, Claim, Device, DeviceAlias, Launch
from bot.db.read_session import ReadSession
from bot.domain.dates import DateWindow, window_from_record
from bot.domain.records import ClaimRecord, LaunchRecord

LaunchRow = tuple[Launch, Device, Brand]


def triples(result: Iterable[Any]) -> list[LaunchRow]:
    return [(row[0], row[1], row[2]) for row in result]


def launch_window(row: Launch | Row[Any]) -> DateWindow | None:
    if row.window_start is None or row.window_end is None or row.precision is None:
        return None
    return window_from_record(row.window_start, row.window_end, row.precision.value, row.timezone)


def launch_record(
    launch: Launch, device: Device, brand: Brand, aliases: Sequence[str] = ()
) -> LaunchRecord:
    """From the ORM rows a write holds."""
    return _record(launch, device.id, device.name, device.is_series, brand.name, aliases)


def launch_record_of(row: Row[Any], aliases: Sequence[str] = ()) -> LaunchRecord:
    """From a row of ``launch_queries.listing()``'s columns (reads load no ORM objects)."""
    return _record(
        row, row.device_id, row.device_name, row.device_is_series, row.brand_name, aliases
    )


def _record(
    launch: Launch | Row[Any],
    device_id: int,
    device: str,
    is_series: bool,
    brand: str,
    aliases: Sequence[str],
) -> LaunchRecord:
    return LaunchRecord(
        id=launch.id,
        guild_id=launch.guild_id,
        device_id=device_id,
        device=device,
        brand=brand,
        is_series=is_series,
        aliases=tuple(aliases),
        region=launch.region,
        kind=launch.kind,
        status=launch.status,
        window=launch_window(launch),
        timezone=launch.timezone,
        confidence=launch.confidence,
        livestream_url=launch.livestream_url,
        partner=launch.partner,
        note=launch.note,
        created_at=launch.created_at,
        updated_at=launch.updated_at,
        event_id=launch.discord_event_id,
    )


@cache
def _aliases_statement() -> Select[int, str]:
    aliases = DeviceAlias.__table__.c
    return (
        select(aliases.device_id, aliases.alias)
        .where(
            aliases.guild_id == bindparam("g"),
            aliases.device_id.in_(bindparam("ids", expanding=True)),
        )
        .order_by(aliases.id)
    )


async def aliases_of(
    session: ReadSession, guild_id: int, device_ids: Iterable[int]
) -> dict[int, list[str]]:
    """Each device's aliases, oldest first, in one query."""
    wanted = sorted(set(device_ids))
    found: dict[int, list[str]] = {}
    if not wanted:
        return found
    for row in await session.execute(_aliases_statement(), {"g": guild_id, "ids": wanted}):
        found.setdefault(row.device_id, []).append(row.alias)
    return found


async def launch_records(
    session: ReadSession, guild_id: int, rows: Sequence[Row[Any]], *, with_aliases: bool = True
) -> list[LaunchRecord]:
    """Records for listing rows; aliases cost one more query, so lists that never show them skip
    it."""
    aliases = (
        await aliases_of(session, guild_id, (r.device_id for r in rows)) if with_aliases else {}
    )
    return [launch_record_of(r, aliases.get(r.device_id, ())) for r in rows]


def claim_record(row: Claim | Row[Any]) -> ClaimRecord:
    window = None
    if row.window_start and row.window_end and row.precision:
        window = window_from_record(
            row.window_start, row.window_end, row.precision.value, row.timezone or "UTC"
        )
    return ClaimRecord(
        id=row.id,
        launch_id=row.launch_id,
        subject=row.subject,
        window=window,
        feature=row.feature,
        present=row.present,
        statement=row.statement,
        source_url=row.source_url,
        source_kind=row.source_kind,
        author=row.author,
        seen_at=row.seen_at,
        superseded_by_id=row.superseded_by_id,
        recorded_by=row.recorded_by,
        confidence=row.confidence,
    )
