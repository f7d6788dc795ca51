"""Gateway faults: dropped sockets, RECONNECT, INVALID_SESSION — the client resumes or
re-identifies and injected commands are still answered (missed events are replayed)."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from tests.emulator import Emulator, running_client

from .conftest import World, make_client


@pytest.fixture
async def bot(emu: Emulator, world: World):  # type: ignore[no-untyped-def]
    client = make_client()
    tree = app_commands.CommandTree(client)
    client.resumed = asyncio.Event()  # type: ignore[attr-defined]

    @tree.command(name="ping", description="ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @client.event
    async def on_resumed() -> None:
        client.resumed.set()  # type: ignore[attr-defined]

    async with running_client(client, emu):
        await tree.sync()
        yield client


async def _ping(emu: Emulator, world: World) -> str | None:
    handle = await emu.invoke_slash(world.guild, world.alice, "ping")
    return (await handle.wait_response()).content


@pytest.mark.parametrize("code", [None, 4000], ids=["abrupt", "close-4000"])
async def test_dropped_gateway_resumes_and_replays_missed_events(
    emu: Emulator, world: World, bot: discord.Client, code: int | None
) -> None:
    await emu.drop_gateway(code)
    # Dispatched while the socket is down: buffered and replayed on RESUME.
    assert await _ping(emu, world) == "pong"
    await asyncio.wait_for(bot.resumed.wait(), 15)  # type: ignore[attr-defined]
    assert emu.gateway.identify_count == 1 and emu.gateway.resume_count == 1
    resume = await emu.gateway.wait_for("resume")
    assert resume.detail["path"].startswith("/gateway-resume")  # resume_gateway_url was used
    resumed = await emu.gateway.wait_for("resumed")
    assert resumed.detail["replayed"] >= 1
    assert await _ping(emu, world) == "pong"


async def test_reconnect_opcode_makes_the_client_resume(
    emu: Emulator, world: World, bot: discord.Client
) -> None:
    emu.gateway.send_reconnect()
    await emu.gateway.wait_for("resumed")
    assert emu.gateway.identify_count == 1
    assert await _ping(emu, world) == "pong"


async def test_unknown_session_gets_invalid_session_and_reidentifies(
    emu: Emulator, world: World, bot: discord.Client
) -> None:
    emu.gateway.sessions.clear()  # the gateway forgot the session
    await emu.drop_gateway()
    await emu.gateway.wait_for("invalid_session")
    await emu.gateway.wait_for("identify", count=2)
    assert await _ping(emu, world) == "pong"
    assert bot.get_guild(world.guild.id) is not None


async def test_invalid_session_opcode(emu: Emulator, world: World, bot: discord.Client) -> None:
    emu.gateway.invalidate_sessions(resumable=False)
    await emu.gateway.wait_for("identify", count=2)
    assert await _ping(emu, world) == "pong"


async def test_world_changes_are_dispatched_live(
    emu: Emulator, world: World, bot: discord.Client
) -> None:
    joined: asyncio.Future[discord.Guild] = asyncio.get_running_loop().create_future()

    @bot.event
    async def on_guild_join(guild: discord.Guild) -> None:
        joined.set_result(guild)

    new = emu.state.add_guild("Brand New")
    assert (await asyncio.wait_for(joined, 15)).id == new.id
    channel = emu.state.add_channel(new, "launch-news")
    role = emu.state.add_role(new, "Leakers")
    await emu.gateway.flush()
    async with asyncio.timeout(15):  # written to the socket; the client reads it in its time
        while True:
            guild = bot.get_guild(new.id)
            if guild and guild.get_channel(channel.id) and guild.get_role(role.id):
                break
            await asyncio.sleep(0.02)
    guild = bot.get_guild(new.id)
    assert (
        guild is not None
        and guild.get_channel(channel.id) is not None
        and guild.get_role(role.id) is not None
    )
