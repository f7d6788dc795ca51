"""Login, READY and GUILD_CREATE as the real discord.py client sees them."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from datetime import UTC, datetime

import aiohttp
import discord
import pytest

from tests.emulator import (
    Emulator,
    Intent,
    running_client,
    snowflake_time,
    start_client,
    stop_client,
)

from .conftest import World, build_world, make_client


async def test_ready_and_guild_create_populate_the_cache(emu: Emulator, world: World) -> None:
    client = make_client()
    async with running_client(client, emu):
        assert client.user is not None and client.user.id == emu.state.bot.id
        assert client.application_id == emu.state.application.id
        assert {g.id for g in client.guilds} == {world.guild.id, world.other_guild.id}
        guild = client.get_guild(world.guild.id)
        assert guild is not None and guild.name == "Phone Launches"
        assert guild.member_count == len(world.guild.members) == 5
        assert {c.name for c in guild.text_channels} == {"general", "staff", "announcements"}
        staff = guild.get_channel(world.staff_only.id)
        assert isinstance(staff, discord.TextChannel)
        assert staff.category is not None and staff.category.name == "Launches"
        assert guild.default_role.id == guild.id
        moderator = guild.get_role(world.moderator.id)
        assert moderator is not None and moderator.permissions.manage_messages
        assert guild.get_role(world.fans.id).mentionable  # type: ignore[union-attr]
        # The bot's own member is there with its managed role, and overwrites apply to it.
        me = guild.me
        assert me is not None and [r.name for r in me.roles[1:]] == ["LaunchBot"]
        assert me.roles[1].is_bot_managed()
        assert not staff.permissions_for(me).view_channel
        assert guild.get_channel(world.general.id).permissions_for(me).send_messages  # type: ignore[union-attr]
        # Non-privileged intents: only the bot's member is cached, nothing was chunked.
        assert not guild.chunked and emu.gateway.count("request_members") == 0
        # Snowflakes carry their creation time.
        assert abs((snowflake_time(guild.id) - datetime.now(UTC)).total_seconds()) < 30
        assert abs((guild.created_at - datetime.now(UTC)).total_seconds()) < 30
    assert emu.gateway.identify_count == 1 and emu.gateway.connection_count == 1


async def test_members_intent_gets_every_member_without_chunking() -> None:
    async with Emulator(granted_intents=Intent.GUILD_MEMBERS) as emu:
        world = build_world(emu)
        intents = discord.Intents.default()
        intents.members = True
        client = make_client(intents)
        async with running_client(client, emu):
            guild = client.get_guild(world.guild.id)
            assert guild is not None and guild.chunked
            alice = guild.get_member(world.alice.id)
            assert alice is not None and [r.name for r in alice.roles[1:]] == ["Fans"]
            assert alice._flags == 0  # members carry flags
            # A member added live arrives as GUILD_MEMBER_ADD.
            joined = asyncio.get_running_loop().create_future()
            client.event(_resolve_on("on_member_join", joined))
            carol = emu.state.add_member(world.guild, "carol")
            member = await asyncio.wait_for(joined, 15)
            assert member.id == carol.id
            members = await guild.chunk()
            assert len(members) == 6
        assert emu.gateway.count("request_members") == 1


def _resolve_on(name: str, future: asyncio.Future[discord.Member]):  # type: ignore[no-untyped-def]
    async def handler(member: discord.Member) -> None:
        if not future.done():
            future.set_result(member)

    handler.__name__ = name
    return handler


async def test_wrong_token_is_rejected_on_rest(emu: Emulator) -> None:
    from bot.app.endpoints import apply_endpoints

    apply_endpoints(emu.api_base, emu.gateway_url)
    client = make_client()
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()
    assert emu.requests_matching("GET", "/users/@me", status=401)


async def test_revoked_token_closes_the_gateway_with_4004(emu: Emulator) -> None:
    build_world(emu)
    client = make_client()
    task = await start_client(client, emu, wait_ready=False)
    await emu.gateway.wait_for("connect")
    emu.token = "rotated"
    with pytest.raises(discord.ConnectionClosed) as info:
        await asyncio.wait_for(task, 15)
    assert info.value.code == 4004
    await stop_client(client)


async def test_privileged_intents_not_granted_close_4014(emu: Emulator) -> None:
    build_world(emu)
    client = make_client(discord.Intents.all())
    task = await start_client(client, emu, wait_ready=False)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(task, 15)
    await stop_client(client)
    event = await emu.gateway.wait_for("disconnect")
    assert event.detail["close_code"] == 4014


async def test_autosharded_client_asks_gateway_bot_and_gets_shard_in_ready(emu: Emulator) -> None:
    world = build_world(emu)
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    async with running_client(client, emu):
        assert client.shard_count == 1
        assert client.get_guild(world.guild.id) is not None
    assert emu.requests_matching("GET", "/gateway/bot", status=200)
    assert (await emu.gateway.wait_for("identify")).detail["shard"] == [0, 1]


async def _raw_identify(emu: Emulator, *, compress: bool) -> list[dict]:  # type: ignore[type-arg]
    query = "?v=10&encoding=json" + ("&compress=zlib-stream" if compress else "")
    inflater = zlib.decompressobj()
    received: list[dict] = []  # type: ignore[type-arg]
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(emu.gateway_url + "/" + query) as ws,
    ):

        async def next_payload() -> dict:  # type: ignore[type-arg]
            msg = await ws.receive(timeout=15)
            if compress:
                assert msg.type is aiohttp.WSMsgType.BINARY
                assert msg.data.endswith(b"\x00\x00\xff\xff")  # Z_SYNC_FLUSH after each message
                return json.loads(inflater.decompress(msg.data))  # type: ignore[no-any-return]
            assert msg.type is aiohttp.WSMsgType.TEXT
            return json.loads(msg.data)  # type: ignore[no-any-return]

        hello = await next_payload()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250
        await ws.send_json({"op": 1, "d": None})
        assert (await next_payload())["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": emu.token, "intents": 513, "properties": {}}})
        for _ in range(3):
            received.append(await next_payload())
    return received


@pytest.mark.parametrize("compress", [True, False], ids=["zlib-stream", "plain"])
async def test_raw_gateway_encodings(emu: Emulator, compress: bool) -> None:
    world = build_world(emu)
    ready, first, second = await _raw_identify(emu, compress=compress)
    assert ready["t"] == "READY" and ready["s"] == 1
    assert ready["d"]["resume_gateway_url"] == emu.resume_gateway_url
    assert ready["d"]["application"] == {"id": str(emu.state.application.id), "flags": 0}
    assert [g["unavailable"] for g in ready["d"]["guilds"]] == [True, True]
    assert (first["t"], second["t"]) == ("GUILD_CREATE", "GUILD_CREATE")
    created = first["d"]
    assert created["id"] == str(world.guild.id)
    assert [m["user"]["id"] for m in created["members"]] == [str(emu.state.bot.id)]
    assert all("flags" in m for m in created["members"])
    assert created["member_count"] == 5


async def test_client_close_is_clean(emu: Emulator) -> None:
    build_world(emu)
    client = make_client()
    task = await start_client(client, emu)
    started = time.monotonic()
    await client.close()
    await asyncio.wait_for(task, 15)
    assert task.exception() is None
    assert time.monotonic() - started < 2
    event = await emu.gateway.wait_for("disconnect")
    # discord.py asks for 1000, but its poll loop wins the race and 4000 goes on the wire.
    assert event.detail["closed_by"] == "client" and event.detail["close_code"] in (1000, 4000)
    assert emu.gateway.connected_sessions() == []
