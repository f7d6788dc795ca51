"""Short-hands for driving the calendar commands through the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from bot.db.engine import WRITE, create_engine
from bot.db.models import AuditEntry, Brand, Claim, Device, GuildSettings, Launch
from bot.domain.dates import Precision
from bot.domain.text import name_key
from bot.domain.vocabulary import LaunchKind, LaunchStatus
from tests.emulator import (
    CallbackRecord,
    CallbackType,
    Emulator,
    Guild,
    InteractionHandle,
    Member,
    MessageRecord,
)


async def run(
    emu: Emulator, guild: Guild, who: Member, command: str, sub: str | None = None, **options: Any
) -> CallbackRecord:
    handle = await emu.invoke_slash(guild, who, command, subcommand=sub, options=options)
    return await answer_of(handle)


def _deferred(handle: InteractionHandle) -> bool:
    response = handle.response
    return (
        response is not None and response.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    )


async def answer_of(handle: InteractionHandle) -> CallbackRecord:
    """The bot's answer to a command. A write still unanswered after a second (as any may be on
    a loaded machine) says "thinking..." first and answers with the follow-up that replaces it:
    then that follow-up, as the message of a response record."""
    response = await handle.wait_response()
    if not _deferred(handle):
        return response
    answer = await handle.wait_followup()
    return CallbackRecord(CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, {}, answer)


async def wait_further_followup(handle: InteractionHandle, count: int = 1) -> MessageRecord:
    """The ``count``-th follow-up after the answer (which was one, if the command was deferred)."""
    return await handle.wait_followup(count + (1 if _deferred(handle) else 0))


def further_followups(handle: InteractionHandle) -> list[MessageRecord]:
    return handle.followups[1:] if _deferred(handle) else handle.followups


def launch_id_of(reply: CallbackRecord) -> str:
    """The launch number from a launch card's footer ("Launch #12 · ...")."""
    return str(reply.embeds[0]["footer"]["text"].split()[1].lstrip("#"))


async def choices(
    emu: Emulator, guild: Guild, who: Member, sub: str, focused: str, **options: Any
) -> list[dict[str, Any]]:
    handle = await emu.invoke_autocomplete(
        guild, who, "launch", subcommand=sub, focused=focused, options=options
    )
    return (await handle.wait_response()).choices


async def table_counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            return {
                model.__tablename__: int(
                    await conn.scalar(select(func.count()).select_from(model)) or 0
                )
                for model in (Launch, Claim, AuditEntry, GuildSettings)
            }
    finally:
        await engine.dispose()


def button_id(message: MessageRecord, label: str) -> str:
    for row in message.components:
        for item in row.get("components") or []:
            if item.get("label") == label:
                return str(item["custom_id"])
    raise AssertionError(f"no button {label!r} on message {message.id}")


async def seed_launches(
    db_url: str,
    guild_id: int,
    count: int,
    *,
    brand: str = "Seed",
    region: str = "Global",
    device: str = "Phone",
    days_ahead: int = 1,
) -> None:
    """Many launches, written with bulk inserts (the catalog importer is too slow for a fixture),
    a day apart from ``days_ahead`` days from now."""
    now = datetime.now(UTC)
    engine = create_engine(db_url)
    try:
        # With SQLite's write lock from the start, as the bot's writes take it: a transaction
        # that read first cannot write once a running bot has committed since its read.
        async with engine.execution_options(**{WRITE: True}).begin() as conn:
            brand_id = (
                await conn.scalar(
                    select(Brand.id).where(
                        Brand.guild_id == guild_id, Brand.name_key == name_key(brand)
                    )
                )
                or (
                    await conn.execute(
                        insert(Brand).returning(Brand.id),
                        [{"guild_id": guild_id, "name": brand, "name_key": name_key(brand)}],
                    )
                ).scalar_one()
            )
            devices = [
                {
                    "guild_id": guild_id,
                    "brand_id": brand_id,
                    "name": f"{device} {n:04d}",
                    "name_key": name_key(f"{device} {n:04d}"),
                    "is_series": False,
                }
                for n in range(count)
            ]
            ids = (await conn.execute(insert(Device).returning(Device.id), devices)).scalars().all()
            launches = []
            for n, device_id in enumerate(ids):
                start = now + timedelta(days=days_ahead + n)
                launches.append(
                    {
                        "guild_id": guild_id,
                        "device_id": device_id,
                        "region": region,
                        "region_key": name_key(region),
                        "kind": LaunchKind.ANNOUNCEMENT,
                        "status": LaunchStatus.RUMORED,
                        "window_start": start,
                        "window_end": start + timedelta(days=1),
                        "precision": Precision.DAY,
                        "timezone": "UTC",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            await conn.execute(insert(Launch), launches)
    finally:
        await engine.dispose()
