"""Reads for the catalog's resolved questions: which launch a question is about (as the importer
found it: by the device's name or an alias, the region and the kind), and which questions each
launch already has."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Device, DeviceAlias, Launch, Poll
from bot.domain.text import name_key
from bot.domain.vocabulary import LaunchKind


async def launch_id(
    session: AsyncSession, guild_id: int, device_key: str, region_key: str, kind: LaunchKind
) -> int | None:
    """The launch, locked until the transaction ends (PostgreSQL; SQLite writes one at a time),
    so two imports at once cannot both add its questions."""
    aliased = select(DeviceAlias.device_id).where(
        DeviceAlias.guild_id == guild_id, DeviceAlias.alias_key == device_key
    )
    query = (
        select(Launch.id)
        .join(Device, Device.id == Launch.device_id)
        .where(
            Launch.guild_id == guild_id,
            Launch.region_key == region_key,
            Launch.kind == kind,
            or_(Device.name_key == device_key, Device.id.in_(aliased)),
        )
        .with_for_update(of=Launch)
    )
    return await session.scalar(query)


async def questions(
    session: AsyncSession, guild_id: int, launch_ids: Iterable[int]
) -> set[tuple[int, str]]:
    """``(launch id, the question's name_key)`` for every poll of these launches."""
    ids = sorted(set(launch_ids))
    if not ids:
        return set()
    rows = await session.execute(
        select(Poll.launch_id, Poll.question).where(
            Poll.guild_id == guild_id, Poll.launch_id.in_(ids)
        )
    )
    return {(launch, name_key(question)) for launch, question in rows if launch is not None}


async def mark_has_polls(session: AsyncSession, guild_id: int, launch_ids: Iterable[int]) -> None:
    """The launches now have polls (``Launch.has_polls``): their cards list them."""
    ids = sorted(set(launch_ids))
    if ids:
        await session.execute(
            update(Launch)
            .where(Launch.guild_id == guild_id, Launch.id.in_(ids), Launch.has_polls.is_(False))
            .values(has_polls=True)
            .execution_options(synchronize_session=False)
        )
