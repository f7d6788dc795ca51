"""Guild scheduled events and message polls through discord.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import discord
import pytest

from tests.emulator import Emulator, running_client

from .conftest import World, make_client


@pytest.fixture
async def client(emu: Emulator, world: World):  # type: ignore[no-untyped-def]
    c = make_client()
    async with running_client(c, emu):
        yield c


async def test_scheduled_events_lifecycle(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    guild = client.get_guild(world.guild.id)
    assert guild is not None
    created: asyncio.Future[discord.ScheduledEvent] = asyncio.get_running_loop().create_future()
    client.event(_once("on_scheduled_event_create", created))
    start = datetime.now(UTC) + timedelta(days=3)
    event = await guild.create_scheduled_event(
        name="Pixel 10 launch",
        start_time=start,
        end_time=start + timedelta(hours=2),
        entity_type=discord.EntityType.external,
        location="Mountain View",
        privacy_level=discord.PrivacyLevel.guild_only,
        description="Keynote",
    )
    assert event.name == "Pixel 10 launch" and event.location == "Mountain View"
    assert event.creator_id == emu.state.bot.id
    assert (await asyncio.wait_for(created, 15)).id == event.id
    stored = world.guild.scheduled_events[event.id]
    assert stored.entity_metadata == {"location": "Mountain View"}

    edited = await event.edit(name="Pixel 10 keynote", status=discord.EventStatus.active)
    assert edited.name == "Pixel 10 keynote" and edited.status is discord.EventStatus.active
    await emu.subscribe_to_event(stored, world.alice)
    events = await guild.fetch_scheduled_events(with_counts=True)
    assert [(e.name, e.user_count) for e in events] == [("Pixel 10 keynote", 1)]
    assert [u.id async for u in event.users()] == [world.alice.id]
    with pytest.raises(discord.HTTPException) as info:
        await edited.edit(
            status=discord.EventStatus.scheduled
        )  # active -> scheduled is not allowed
    assert info.value.code == 50035
    await event.delete()
    assert await guild.fetch_scheduled_events() == []


async def test_scheduled_event_validation(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    guild = client.get_guild(world.guild.id)
    assert guild is not None
    past = datetime.now(UTC) - timedelta(hours=1)
    with pytest.raises(discord.HTTPException) as info:
        await guild.create_scheduled_event(
            name="Too late",
            start_time=past,
            end_time=past + timedelta(hours=1),
            entity_type=discord.EntityType.external,
            location="Nowhere",
            privacy_level=discord.PrivacyLevel.guild_only,
        )
    assert info.value.code == 50035 and "scheduled_start_time" in str(info.value)


def _once(name: str, future: asyncio.Future):  # type: ignore[no-untyped-def, type-arg]
    async def handler(*args: object) -> None:
        if not future.done():
            future.set_result(args[0] if len(args) == 1 else args)

    handler.__name__ = name
    return handler


async def test_polls(emu: Emulator, world: World, client: discord.Client) -> None:
    channel = client.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    poll = discord.Poll(question="Best launch?", duration=timedelta(hours=24))
    poll.add_answer(text="Pixel").add_answer(text="iPhone")
    message = await channel.send(poll=poll)
    assert message.poll is not None and [a.text for a in message.poll.answers] == [
        "Pixel",
        "iPhone",
    ]
    record = emu.channel_messages(world.general)[-1]
    assert record.poll is not None and record.poll["question"] == {"text": "Best launch?"}

    voted: asyncio.Future[discord.RawPollVoteActionEvent] = (
        asyncio.get_running_loop().create_future()
    )
    client.event(_once("on_raw_poll_vote_add", voted))
    await emu.vote_poll(record, world.alice, 1)
    vote = await asyncio.wait_for(voted, 15)
    assert (vote.user_id, vote.answer_id) == (world.alice.id, 1)

    answer = message.poll.get_answer(1)
    assert answer is not None
    assert [u.id async for u in answer.voters()] == [world.alice.id]
    ended = await message.end_poll()
    assert ended.poll is not None and ended.poll.is_finalized()
    assert ended.poll.get_answer(1).vote_count == 1  # type: ignore[union-attr]
    with pytest.raises(discord.HTTPException):
        await message.end_poll()

    too_long = discord.Poll(question="q" * 301, duration=timedelta(hours=1))
    too_long.add_answer(text="a")
    with pytest.raises(discord.HTTPException) as info:
        await channel.send(poll=too_long)
    assert info.value.code == 50035 and "poll.question.text" in str(info.value)
