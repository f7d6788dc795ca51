"""Many members adding launches at the same moment: new brands, devices and aliases are shared
rows, created by whoever comes first and reused by everyone else, so no add is refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.db.engine import create_engine
from bot.db.models import Brand, Device, DeviceAlias, Launch
from tests.e2e.harness import TOKEN, RunningBot, Server
from tests.emulator import CallbackRecord, Emulator, InteractionHandle, MessageFlag, MessageRecord


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """Discord's 3 s for a first answer counts here the emulator's own handling of a hundred
    defers, in the bot's event loop: on a starved CPU that alone ran past it. What these tests
    prove is that no add is refused; deferring in time is test_interactions_in_flight.py's."""
    async with Emulator(TOKEN, interaction_response_timeout=15.0) as emulator:
        yield emulator


async def _add_all(
    emu: Emulator, server: Server, adds: list[dict[str, str]]
) -> list[CallbackRecord | MessageRecord]:
    """Every add is on the wire before the bot answers the first one; an add the bot deferred
    (it waited for the write lock) counts by the message that replaced "thinking"."""
    handles = [
        await emu.invoke_slash(
            server.guild, server.editor, "launch", subcommand="add", options=options
        )
        for options in adds
    ]
    return list(await asyncio.gather(*(_answer(h) for h in handles)))


async def _answer(handle: InteractionHandle) -> CallbackRecord | MessageRecord:
    response = await handle.wait_response(timeout=60)
    if not response.deferred:
        return response
    return await handle.wait_original(timeout=60)


async def _counts(db_url: str, guild_id: int) -> dict[str, int]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            return {
                model.__tablename__: int(
                    await conn.scalar(
                        select(func.count()).select_from(model).where(model.guild_id == guild_id)
                    )
                    or 0
                )
                for model in (Brand, Device, DeviceAlias, Launch)
            }
    finally:
        await engine.dispose()


def _assert_none_refused(replies: list[CallbackRecord | MessageRecord]) -> None:
    refused = [r.content or "" for r in replies if _ephemeral(r) or not r.embeds]
    assert not refused, f"{len(refused)} of {len(replies)} adds refused: {set(refused)}"


def _ephemeral(reply: CallbackRecord | MessageRecord) -> bool:
    return bool(reply.flags & MessageFlag.EPHEMERAL)


async def test_twenty_adds_under_one_new_brand_all_succeed(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    adds = [{"device": f"Nothing Phone {n}", "brand": "Nothing"} for n in range(20)]
    replies = await _add_all(emu, server, adds)
    _assert_none_refused(replies)
    assert await _counts(db_url, server.guild.id) == {
        "brands": 1, "devices": 20, "device_aliases": 0, "launches": 20,
    }  # fmt: skip


async def test_twenty_adds_of_one_new_device_in_different_regions_all_succeed(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    adds = [{"device": "Pixel 10", "brand": "Google", "region": f"Region {n}"} for n in range(20)]
    replies = await _add_all(emu, server, adds)
    _assert_none_refused(replies)
    assert await _counts(db_url, server.guild.id) == {
        "brands": 1, "devices": 1, "device_aliases": 0, "launches": 20,
    }  # fmt: skip


async def test_a_hundred_adds_of_distinct_devices_make_a_hundred_launches(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str
) -> None:
    adds = [{"device": f"Phone {n:03d}", "brand": f"Brand {n % 7}"} for n in range(100)]
    replies = await _add_all(emu, server, adds)
    _assert_none_refused(replies)
    counts = await _counts(db_url, server.guild.id)
    assert counts == {"brands": 7, "devices": 100, "device_aliases": 0, "launches": 100}
