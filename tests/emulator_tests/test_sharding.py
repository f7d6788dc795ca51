"""Sharding as Discord does it: GET /gateway/bot recommends a shard count, IDENTIFY names a shard,
each guild (its GUILD_CREATE, its events, its interactions) goes to the session of its shard
``(guild_id >> 22) % shard_count`` only, and DMs to shard 0's. An invalid shard is closed with
4010, and a session that would hold too many guilds with 4011."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.emulator import Emulator, Guild, running_client, start_client, stop_client

from .conftest import make_client


class FastAutoShardedClient(discord.AutoShardedClient):
    """Without the 5 s discord.py waits between two shards' IDENTIFYs."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def _guilds_on_shards(emu: Emulator, count: int, per_shard: int = 2) -> dict[int, list[Guild]]:
    return {
        shard: [
            emu.state.add_guild(f"Shard {shard} server {n}", shard=(shard, count))
            for n in range(per_shard)
        ]
        for shard in range(count)
    }


def _shard_of(guild_id: int | str, count: int) -> int:
    return (int(guild_id) >> 22) % count


async def test_an_auto_sharded_client_runs_the_recommended_shards_each_with_its_own_guilds() -> (
    None
):
    async with Emulator(shard_count=3) as emu:
        guilds = _guilds_on_shards(emu, 3)
        client = FastAutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        async with running_client(client, emu):
            assert client.shard_count == 3 and sorted(client.shards) == [0, 1, 2]
            for shard, own in guilds.items():
                for guild in own:
                    cached = client.get_guild(guild.id)
                    assert cached is not None and cached.shard_id == shard
        assert emu.requests_matching("GET", "/gateway/bot", status=200)
        identified = [e.detail["shard"] for e in emu.gateway.log if e.kind == "identify"]
        assert sorted(identified) == [[0, 3], [1, 3], [2, 3]]
        created = emu.gateway.dispatched("GUILD_CREATE")
        assert sorted(int(data["id"]) for _, data in created) == sorted(
            g.id for own in guilds.values() for g in own
        )
        assert all(_shard_of(data["id"], 3) == shard for (shard, _), data in created)
        for (shard, count), ready in emu.gateway.dispatched("READY"):
            assert ready["shard"] == [shard, count] and count == 3
            assert {int(g["id"]) for g in ready["guilds"]} == {g.id for g in guilds[shard]}


async def test_two_processes_each_get_only_their_shard_s_guilds_events_and_interactions() -> None:
    """Two clients as two processes of one bot (shards 0 and 1 of 2): each sees its own guilds,
    a guild joined later arrives on its shard alone, a command in a guild reaches the client of
    that guild's shard, and a DM (a command or a message) reaches shard 0's client."""
    async with Emulator() as emu:
        guilds = _guilds_on_shards(emu, 2)
        member = {
            shard: emu.state.add_member(own[0], f"member{shard}") for shard, own in guilds.items()
        }
        clients = [make_client(shard_id=shard, shard_count=2) for shard in (0, 1)]
        answered_by: list[tuple[int, int | None]] = []
        trees = [_where_tree(client, shard, answered_by) for shard, client in enumerate(clients)]
        tasks = [await start_client(client, emu) for client in clients]
        try:
            await trees[0].sync()
            for shard, client in enumerate(clients):
                assert {g.id for g in client.guilds} == {g.id for g in guilds[shard]}

            for shard in (1, 0):
                handle = await emu.invoke_slash(guilds[shard][0], member[shard], "where")
                assert (await handle.wait_response()).content == f"shard {shard}"
                assert handle.shards == [(shard, 2)]
            handle = await emu.invoke_slash(None, member[1].user, "where")
            assert (await handle.wait_response()).content == "shard 0"
            assert handle.shards == [(0, 2)]
            assert answered_by == [(1, guilds[1][0].id), (0, guilds[0][0].id), (0, None)]

            joined = asyncio.get_running_loop().create_future()
            clients[1].event(_resolver("on_guild_join", joined))
            late = emu.state.add_guild("Joined later", shard=(1, 2))
            assert (await asyncio.wait_for(joined, 15)).id == late.id
            assert clients[0].get_guild(late.id) is None

            await emu.post_message(emu.dm_channel(member[1].user), member[1], "hello bot")
            created = emu.gateway.dispatched("MESSAGE_CREATE")
            assert [s for s, d in created if d["content"] == "hello bot"] == [(0, 2)]
            # The answers to the commands: each on its guild's shard, the DM's on shard 0.
            answers = {(d.get("guild_id") or "DM", s) for s, d in created if d["author"].get("bot")}
            assert answers == {
                (str(guilds[0][0].id), (0, 2)),
                (str(guilds[1][0].id), (1, 2)),
                ("DM", (0, 2)),
            }
            assert all(
                _shard_of(d["id"], 2) == s for (s, _), d in emu.gateway.dispatched("GUILD_CREATE")
            )
        finally:
            for client, task in zip(clients, tasks, strict=True):
                await stop_client(client, task)


def _where_tree(
    client: discord.Client, shard: int, answered_by: list[tuple[int, int | None]]
) -> app_commands.CommandTree[discord.Client]:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)

    @tree.command(name="where", description="Which shard answers")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def where(interaction: discord.Interaction) -> None:
        answered_by.append((shard, interaction.guild_id))
        await interaction.response.send_message(f"shard {shard}")

    return tree


def _resolver(name: str, future: asyncio.Future[Any]) -> Any:
    async def handler(value: Any) -> None:
        if not future.done():
            future.set_result(value)

    handler.__name__ = name
    return handler


async def _identify_close_code(emu: Emulator, shard: Any) -> int | None:
    """Opens a raw gateway connection, IDENTIFYs with ``shard``, returns the close code."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(emu.gateway_url + "/?v=10&encoding=json") as ws,
    ):
        hello = json.loads((await ws.receive(timeout=15)).data)
        assert hello["op"] == 10
        data = {"token": emu.token, "intents": 1, "properties": {}, "shard": shard}
        await ws.send_str(json.dumps({"op": 2, "d": data}))
        while True:
            message = await ws.receive(timeout=15)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return ws.close_code
            if json.loads(message.data).get("t") == "READY":
                return None


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], ["0", 2], [0], [True, 2], "0,1"])
async def test_an_invalid_shard_is_closed_with_4010(emu: Emulator, shard: Any) -> None:
    assert await _identify_close_code(emu, shard) == 4010
    assert await _identify_close_code(emu, [1, 2]) is None  # the same emulator still serves


async def test_a_session_with_too_many_guilds_is_closed_with_4011_sharding_required() -> None:
    async with Emulator(max_guilds_per_shard=2) as emu:
        guilds = _guilds_on_shards(emu, 2, per_shard=2)
        assert await _identify_close_code(emu, None) == 4011  # four guilds on one session
        client = make_client()
        with pytest.raises(discord.ConnectionClosed) as closed:
            task = await start_client(client, emu)
            await stop_client(client, task)
        assert closed.value.code == 4011
        await client.close()
        sharded = FastAutoShardedClient(
            intents=discord.Intents.default(), shard_count=2, guild_ready_timeout=0.05
        )
        async with running_client(sharded, emu):
            assert len(sharded.guilds) == sum(len(own) for own in guilds.values())
