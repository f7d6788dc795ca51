"""Rate limits with real headers, 429 handling by discord.py, and REST fault injection."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import discord
import pytest

from tests.emulator import Emulator, running_client

from .conftest import World, build_world, make_client

MESSAGES = "/channels/{channel_id}/messages"


async def _raw_post(
    session: aiohttp.ClientSession, emu: Emulator, channel_id: int
) -> aiohttp.ClientResponse:
    url = f"{emu.api_base}/channels/{channel_id}/messages"
    async with session.post(
        url, json={"content": "raw"}, headers={"Authorization": f"Bot {emu.token}"}
    ) as resp:
        await resp.read()
        return resp


async def test_channel_limit_429_headers_and_transparent_retry() -> None:
    async with Emulator(message_rate_limit=(5, 1.5)) as emu:
        world = build_world(emu)
        client = make_client()
        async with running_client(client, emu):
            # Another process with the same token spends the bucket...
            async with aiohttp.ClientSession() as session:
                ok = [await _raw_post(session, emu, world.general.id) for _ in range(5)]
                limited = await _raw_post(session, emu, world.general.id)
                body = await limited.json()
            assert [r.status for r in ok] == [200] * 5
            assert [r.headers["X-RateLimit-Remaining"] for r in ok] == ["4", "3", "2", "1", "0"]
            first = ok[0].headers
            assert first["X-RateLimit-Limit"] == "5" and first["X-RateLimit-Bucket"]
            assert 0 < float(first["X-RateLimit-Reset-After"]) <= 1.5
            assert float(first["X-RateLimit-Reset"]) > time.time()
            assert limited.status == 429 and limited.headers["Via"] == "1.1 google"
            assert (
                limited.headers["X-RateLimit-Scope"] == "user" and "Retry-After" in limited.headers
            )
            assert (
                body["global"] is False
                and isinstance(body["retry_after"], float)
                and body["retry_after"] > 0
            )
            # ...then discord.py hits the 429, sleeps retry_after and succeeds on its own.
            since = emu.request_cursor()
            channel = client.get_channel(world.general.id)
            assert isinstance(channel, discord.TextChannel)
            started = time.monotonic()
            msg = await channel.send("after the storm")
            assert msg.content == "after the storm"
            assert time.monotonic() - started >= body["retry_after"] - 0.5
            statuses = [r.status for r in emu.requests_matching("POST", MESSAGES, since=since)]
            assert statuses == [429, 200]


async def test_discord_py_respects_bucket_headers_without_hitting_429() -> None:
    async with Emulator(message_rate_limit=(3, 0.5)) as emu:
        world = build_world(emu)
        client = make_client()
        async with running_client(client, emu):
            channel = client.get_channel(world.general.id)
            assert isinstance(channel, discord.TextChannel)
            started = time.monotonic()
            await asyncio.gather(*(channel.send(f"m{i}") for i in range(7)))
            assert time.monotonic() - started >= 0.8  # three windows were needed
            assert {r.status for r in emu.requests_matching("POST", MESSAGES)} == {200}
            assert len(emu.channel_messages(world.general)) == 7


async def test_global_limit_spares_interaction_callbacks() -> None:
    async with Emulator(global_rate_limit=(3, 10.0)) as emu:
        world = build_world(emu)
        async with aiohttp.ClientSession() as session:
            headers = {"Authorization": f"Bot {emu.token}"}
            statuses = []
            for _ in range(4):
                async with session.get(f"{emu.api_base}/users/@me", headers=headers) as resp:
                    statuses.append(resp.status)
                    last_headers, last_body = resp.headers, await resp.json()
            assert statuses == [200, 200, 200, 429]
            assert (
                last_headers["X-RateLimit-Global"] == "true"
                and last_headers["X-RateLimit-Scope"] == "global"
            )
            assert last_body["global"] is True
        emu.rate_limits.reset()
        client = make_client()
        tree = discord.app_commands.CommandTree(client)

        @tree.command(name="ping", description="ping")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        async with running_client(client, emu):
            await tree.sync()
            emu.rate_limits.exhaust_global(emu.token)
            handle = await emu.invoke_slash(world.guild, world.alice, "ping")
            assert (await handle.wait_response()).content == "pong"


async def test_rate_limit_storm_is_waited_out(emu: Emulator, world: World) -> None:
    client = make_client()
    async with running_client(client, emu):
        channel = client.get_channel(world.general.id)
        assert isinstance(channel, discord.TextChannel)
        emu.faults.rate_limit_storm("POST", MESSAGES, 0.4)
        await channel.send("eventually")
        assert [r.status for r in emu.requests_matching("POST", MESSAGES)] == [429, 200]
        emu.faults.rate_limit_storm("POST", MESSAGES, 5, via=False)
        with pytest.raises(discord.HTTPException) as info:
            await channel.send("banned")
        assert info.value.status == 429


async def test_server_errors_and_slow_responses(emu: Emulator, world: World) -> None:
    client = make_client()
    async with running_client(client, emu):
        emu.faults.fail_next("GET", "/users/{user_id}", status=503)
        with pytest.raises(discord.DiscordServerError):
            await client.fetch_user(world.alice.id)
        emu.faults.fail_next("GET", "/users/{user_id}", status=500)
        user = await client.fetch_user(world.alice.id)  # discord.py retries 500 after 1 s
        assert user.name == "alice"
        assert [r.status for r in emu.requests_matching("GET", "/users/{user_id}")] == [
            503,
            500,
            200,
        ]
        emu.faults.slow("GET", "/users/*", 0.3, count=1)
        started = time.monotonic()
        await client.fetch_user(world.bob.id)
        assert time.monotonic() - started >= 0.3


async def test_a_fault_with_a_predicate_refuses_some_messages_and_takes_others(
    emu: Emulator, world: World
) -> None:
    client = make_client()
    async with running_client(client, emu):
        channel = client.get_channel(world.general.id)
        assert isinstance(channel, discord.TextChannel)
        rule = emu.faults.fail_next(
            "POST", MESSAGES, count=None, status=403,
            body={"code": 50013, "message": "Missing Permissions"},
            predicate=lambda r: "refused" in (r.json or {}).get("content", ""),
        )  # fmt: skip
        for _ in range(2):
            with pytest.raises(discord.Forbidden) as info:
                await channel.send("refused")
            assert info.value.code == 50013
        taken = await channel.send("taken")
        assert rule.hits == 2 and rule.active(time.monotonic())
        assert [m.content for m in emu.channel_messages(world.general)] == ["taken"]
        emu.faults.remove(rule)
        await channel.send("refused no more")
        assert taken.id in {m.id for m in emu.channel_messages(world.general)}
        assert len(emu.channel_messages(world.general)) == 2
