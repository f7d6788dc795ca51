"""Native polls beyond a guild channel message: vote events follow the poll intents, polls in
DMs, and polls sent as interaction responses (directly, or as the follow-up of a defer)."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from tests.emulator import Emulator, running_client

from .conftest import World
from .poll_client import PollClient, make_poll

ADD = "MESSAGE_POLL_VOTE_ADD"


async def test_vote_events_need_the_poll_intents(emu: Emulator, world: World) -> None:
    intents = discord.Intents.default()
    intents.polls = False  # GUILD_MESSAGE_POLLS and DIRECT_MESSAGE_POLLS
    async with running_client(PollClient(intents), emu) as client:
        channel = client.get_channel(world.general.id)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send(poll=make_poll())
        assert await emu.vote_native_poll(world.general.id, message.id, world.alice.id, 1)
        # Events reach a session in order: once this later message is seen, a vote event
        # would have been seen before it.
        later = await emu.post_message(world.general, world.bob, "after the vote")
        await client.wait_seen("message", predicate=lambda m: m.id == later.id)
        assert client.events("raw_poll_vote_add") == []
        sent = [p.get("t") for conn in emu.gateway.connections for p in conn.sent]
        assert "MESSAGE_CREATE" in sent and ADD not in sent
    assert emu.message_store.records[message.id].poll_counts() == {1: 1, 2: 0}


async def test_polls_in_direct_messages(emu: Emulator, world: World) -> None:
    async with running_client(PollClient(), emu) as client:
        user = await client.fetch_user(world.alice.id)
        dm = await user.create_dm()
        message = await dm.send(poll=make_poll("Pixel or iPhone?", ("Pixel", "iPhone")))
        assert await emu.vote_native_poll(dm.id, message.id, world.alice.id, 2) == [(ADD, 2)]
        [(raw,)] = await client.wait_seen("raw_poll_vote_add")
        assert (raw.user_id, raw.answer_id, raw.channel_id, raw.guild_id) == (
            world.alice.id,
            2,
            dm.id,
            None,
        )
        with pytest.raises(PermissionError, match="not in this DM"):
            await emu.vote_native_poll(dm.id, message.id, world.bob.id, 1)
        ended = await message.end_poll()
        assert ended.poll is not None and ended.poll.is_finalized()
        [(result,)] = await client.wait_seen(
            "message", predicate=lambda m: m.type is discord.MessageType.poll_result
        )
        assert result.channel.id == dm.id and result.reference.message_id == message.id


async def test_polls_sent_as_interaction_responses(emu: Emulator, world: World) -> None:
    client = PollClient()
    tree = app_commands.CommandTree(client)
    guild = discord.Object(world.guild.id)

    @tree.command(name="native", description="Post a native poll", guild=guild)
    async def native(interaction: discord.Interaction, deferred: bool) -> None:
        poll = make_poll("Leica on the 12S Ultra?", ("Yes", "No"), hours=72)
        if deferred:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(poll=poll)
        else:
            await interaction.response.send_message(poll=poll)

    async with running_client(client, emu):
        await tree.sync(guild=guild)
        direct = await emu.invoke_slash(
            world.guild, world.alice, "native", options={"deferred": False}
        )
        answered = (await direct.wait_response()).message
        assert answered is not None and answered.poll is not None
        assert [a["poll_media"]["text"] for a in answered.poll["answers"]] == ["Yes", "No"]
        channel_id = answered.channel_id
        assert await emu.vote_native_poll(channel_id, answered.id, world.bob.id, 1) == [(ADD, 1)]

        later = await emu.invoke_slash(
            world.guild, world.alice, "native", options={"deferred": True}
        )
        followup = await later.wait_followup()
        assert later.original is not None and followup.id == later.original.id
        assert followup.poll is not None and followup.poll_counts() == {1: 0, 2: 0}
        payload = followup.payload()["poll"]
        assert payload["results"] == {"answer_counts": [], "is_finalized": False}
        assert await emu.vote_native_poll(channel_id, followup.id, world.bob.id, 2) == [(ADD, 2)]

        ended = await client.http.end_poll(channel_id, answered.id)
        assert ended["poll"]["results"]["is_finalized"] is True
        assert ended["poll"]["results"]["answer_counts"] == [
            {"id": 1, "count": 1, "me_voted": False}
        ]
