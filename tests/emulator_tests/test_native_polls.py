"""Native Discord polls through discord.py: the poll as sent and fetched, members' votes and
the events they cause, ending a poll (by its author or by time) and reading its results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import discord
import pytest

from tests.emulator import Emulator, MessageRecord, running_client
from tests.emulator.constants import MessageType

from .conftest import World, build_world
from .poll_client import PollClient, cached, counts, make_poll, poll_spec

ADD, REMOVE = "MESSAGE_POLL_VOTE_ADD", "MESSAGE_POLL_VOTE_REMOVE"
MESSAGES = "/channels/{channel_id}/messages"


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    # The members intent lets discord.py cache voters, so on_poll_vote_add fires.
    async with Emulator(granted_intents=discord.Intents(members=True)) as emulator:
        yield emulator


@pytest.fixture
def world(emu: Emulator) -> World:
    return build_world(emu)


@pytest.fixture
async def client(emu: Emulator, world: World) -> AsyncIterator[PollClient]:
    intents = discord.Intents.default()
    intents.members = True
    async with running_client(PollClient(intents), emu) as c:
        yield c


def general(client: discord.Client, world: World) -> discord.TextChannel:
    channel = client.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def send_poll(
    client: PollClient, channel: discord.abc.Messageable, poll: discord.Poll
) -> discord.Message:
    """Sends the poll and waits until discord.py has cached it from MESSAGE_CREATE."""
    message = await channel.send(poll=poll)
    await client.wait_seen("message", predicate=lambda m: m.id == message.id)
    return message


def record_of(emu: Emulator, message: discord.Message) -> MessageRecord:
    return emu.message_store.records[message.id]


async def test_a_sent_poll_has_numbered_answers_an_expiry_and_empty_results(
    emu: Emulator, world: World, client: PollClient
) -> None:
    channel = general(client, world)
    poll = discord.Poll("Leica on the 12 Ultra?", duration=timedelta(hours=48))
    poll.add_answer(text="Yes", emoji="📷").add_answer(text="No").add_answer(text="Not sure")
    cursor = emu.request_cursor()
    message = await send_poll(client, channel, poll)

    request = emu.requests_matching("POST", MESSAGES, since=cursor)[0]
    assert request.json["poll"]["duration"] == 48.0  # discord.py sends hours as a float
    sent = request.response["poll"]
    assert [a["answer_id"] for a in sent["answers"]] == [1, 2, 3]
    assert sent["answers"][0]["poll_media"] == {"text": "Yes", "emoji": {"id": None, "name": "📷"}}
    assert sent["question"] == {"text": "Leica on the 12 Ultra?"}
    assert sent["results"] == {"answer_counts": [], "is_finalized": False}
    assert (sent["allow_multiselect"], sent["layout_type"]) == (False, 1)
    expiry = datetime.fromisoformat(sent["expiry"])
    assert abs(expiry - message.created_at - timedelta(hours=48)) < timedelta(seconds=2)

    assert message.poll is not None and message.poll.duration == timedelta(hours=48)
    from_gateway = cached(client, message.id)
    assert from_gateway.poll is not None and [a.text for a in from_gateway.poll.answers] == [
        "Yes",
        "No",
        "Not sure",
    ]
    fetched = await channel.fetch_message(message.id)
    assert fetched.poll is not None and fetched.poll.expires_at == expiry
    assert not fetched.poll.is_finalized() and counts(fetched) == [0, 0, 0]

    # Only what the docs mark as defaults: 24 hours, one answer each, the default layout.
    route = discord.http.Route("POST", MESSAGES, channel_id=world.general.id)
    data = await client.http.request(route, json={"poll": poll_spec("Defaults?")})
    assert data["poll"]["allow_multiselect"] is False and data["poll"]["layout_type"] == 1
    created = datetime.fromisoformat(data["timestamp"])
    assert datetime.fromisoformat(data["poll"]["expiry"]) - created == timedelta(hours=24)


async def test_votes_reach_the_client_and_change_the_counts(
    emu: Emulator, world: World, client: PollClient
) -> None:
    channel = general(client, world)
    message = await send_poll(
        client, channel, make_poll("Camera partner?", ("Leica", "Zeiss", "Hasselblad"))
    )
    c, m = world.general.id, message.id

    assert await emu.vote_native_poll(c, m, world.alice.id, [1]) == [(ADD, 1)]
    assert await emu.vote_native_poll(c, m, world.bob.id, 2) == [(ADD, 2)]
    assert await emu.vote_native_poll(c, m, world.mod, [1]) == [(ADD, 1)]

    raws = await client.wait_seen("raw_poll_vote_add", count=3)
    assert [(r.user_id, r.answer_id, r.message_id, r.channel_id, r.guild_id) for (r,) in raws] == [
        (world.alice.id, 1, m, c, world.guild.id),
        (world.bob.id, 2, m, c, world.guild.id),
        (world.mod.id, 1, m, c, world.guild.id),
    ]
    adds = await client.wait_seen("poll_vote_add", count=3)
    assert [(user.id, answer.id) for user, answer in adds] == [
        (world.alice.id, 1),
        (world.bob.id, 2),
        (world.mod.id, 1),
    ]
    assert all(isinstance(user, discord.Member) for user, _ in adds)
    assert counts(cached(client, m)) == [2, 1, 0]  # discord.py counts the events itself

    fetched = await channel.fetch_message(m)
    assert counts(fetched) == [2, 1, 0] and not fetched.poll.is_finalized()  # type: ignore[union-attr]
    answer = fetched.poll.get_answer(1)  # type: ignore[union-attr]
    assert answer is not None
    assert sorted([u.id async for u in answer.voters()]) == sorted([world.alice.id, world.mod.id])

    # Changing a vote on a single-choice poll: the old answer is removed, then the new added.
    changes = await emu.vote_native_poll(c, m, world.alice.id, [3])
    assert changes == [(REMOVE, 1), (ADD, 3)]
    [(removed,)] = await client.wait_seen("raw_poll_vote_remove")
    assert (removed.user_id, removed.answer_id) == (world.alice.id, 1)
    await client.wait_seen("raw_poll_vote_add", count=4)
    assert await emu.remove_native_poll_vote(c, m, world.bob.id) == [(REMOVE, 2)]
    removals = await client.wait_seen("poll_vote_remove", count=2)
    assert [(user.id, answer.id) for user, answer in removals] == [
        (world.alice.id, 1),
        (world.bob.id, 2),
    ]
    assert record_of(emu, message).poll_counts() == {1: 1, 2: 0, 3: 1}
    assert counts(await channel.fetch_message(m)) == [1, 0, 1]


async def test_multiselect_polls_take_several_answers(
    emu: Emulator, world: World, client: PollClient
) -> None:
    poll = make_poll("Which will you buy?", ("12", "12 Pro", "12 Ultra"), hours=1, multiple=True)
    message = await send_poll(client, general(client, world), poll)
    c, m = world.general.id, message.id

    assert await emu.vote_native_poll(c, m, world.alice.id, [3, 1]) == [(ADD, 1), (ADD, 3)]
    assert await emu.vote_native_poll(c, m, world.alice.id, [3, 2]) == [(REMOVE, 1), (ADD, 2)]
    assert await emu.remove_native_poll_vote(c, m, world.alice.id, 3) == [(REMOVE, 3)]
    adds = await client.wait_seen("raw_poll_vote_add", count=3)
    assert [r.answer_id for (r,) in adds] == [1, 3, 2]
    removes = await client.wait_seen("raw_poll_vote_remove", count=2)
    assert [r.answer_id for (r,) in removes] == [1, 3]
    assert record_of(emu, message).poll_counts() == {1: 0, 2: 1, 3: 0}


async def test_votes_discord_would_not_allow_are_refused(
    emu: Emulator, world: World, client: PollClient
) -> None:
    channel = general(client, world)
    message = await send_poll(client, channel, make_poll())
    c, m = world.general.id, message.id
    await emu.vote_native_poll(c, m, world.alice.id, 1)

    with pytest.raises(ValueError, match="one answer"):
        await emu.vote_native_poll(c, m, world.bob.id, [1, 2])
    with pytest.raises(ValueError, match="no answer"):
        await emu.vote_native_poll(c, m, world.bob.id, 3)
    with pytest.raises(ValueError, match="no answer given"):
        await emu.vote_native_poll(c, m, world.bob.id, [])
    with pytest.raises(ValueError, match="bots cannot vote"):
        await emu.vote_native_poll(c, m, emu.state.bot.id, 1)
    stranger = emu.state.add_user("stranger")
    with pytest.raises(PermissionError, match="not a member"):
        await emu.vote_native_poll(c, m, stranger.id, 1)
    with pytest.raises(LookupError):
        await emu.vote_native_poll(c, 1234, world.bob.id, 1)
    with pytest.raises(LookupError):
        await emu.vote_native_poll(world.announcements.id, m, world.bob.id, 1)
    plain = await channel.send("no poll here")
    with pytest.raises(ValueError, match="has no poll"):
        await emu.vote_native_poll(c, plain.id, world.bob.id, 1)

    # A member who cannot see the channel cannot vote there.
    staff_poll = await emu.post_message(
        world.staff_only, world.mod, "", poll=poll_spec("Leak the date?", "Yes", "No")
    )
    with pytest.raises(PermissionError, match="cannot see"):
        await emu.vote_native_poll(world.staff_only.id, staff_poll.id, world.alice.id, 1)
    assert await emu.vote_native_poll(world.staff_only.id, staff_poll.id, world.mod.id, 2)

    assert record_of(emu, message).poll_counts() == {1: 1, 2: 0}
    assert staff_poll.poll_counts() == {1: 0, 2: 1}
    with pytest.raises(ValueError, match="invalid poll"):
        await emu.post_message(world.general, world.bob, "", poll=poll_spec("?", *["a"] * 11))


async def test_the_author_ends_a_poll_and_reads_the_final_results(
    emu: Emulator, world: World, client: PollClient
) -> None:
    channel = general(client, world)
    question = "Does the Mate 50 keep Leica?"
    message = await send_poll(client, channel, make_poll(question, ("Leica", "XMAGE")))
    c, m = world.general.id, message.id
    for member, answer in ((world.alice, 2), (world.bob, 2), (world.mod, 1)):
        await emu.vote_native_poll(c, m, member.id, answer)
    await client.wait_seen("raw_poll_vote_add", count=3)

    ended = await message.end_poll()
    assert ended.poll is not None and ended.poll.is_finalized()
    assert counts(ended) == [1, 2]
    assert ended.poll.expires_at is not None and ended.poll.expires_at <= datetime.now(UTC)

    [(result,)] = await client.wait_seen(
        "message", predicate=lambda msg: msg.type is discord.MessageType.poll_result
    )
    assert result.reference is not None and result.reference.message_id == m
    assert result.author.id == emu.state.bot.id and result.content == ""
    fields = {f.name: f.value for f in result.embeds[0].fields}
    assert fields == {
        "poll_question_text": question,
        "victor_answer_votes": "2",
        "total_votes": "3",
        "victor_answer_id": "2",
        "victor_answer_text": "XMAGE",
    }
    # The update came first, with the final results; discord.py applied the result message.
    names = [name for name, _ in client.seen if name in ("raw_message_edit", "message")]
    assert names[-2:] == ["raw_message_edit", "message"]
    [(edit,)] = client.events("raw_message_edit")
    assert edit.message_id == m and edit.data["poll"]["results"] == {
        "answer_counts": [
            {"id": 1, "count": 1, "me_voted": False},
            {"id": 2, "count": 2, "me_voted": False},
        ],
        "is_finalized": True,
    }
    poll = cached(client, m).poll
    assert poll is not None and poll.victor_answer_id == 2 and poll.total_votes == 3

    record = emu.channel_messages(world.general)[-1]
    assert record.type == MessageType.POLL_RESULT and record.author.id == emu.state.bot.id
    assert record.message_reference == {
        "type": 0,
        "channel_id": str(c),
        "message_id": str(m),
        "guild_id": str(world.guild.id),
    }
    assert record_of(emu, message).poll_finalized
    fetched = await channel.fetch_message(m)
    assert fetched.poll is not None and fetched.poll.is_finalized() and counts(fetched) == [1, 2]

    with pytest.raises(discord.HTTPException) as info:
        await message.end_poll()
    assert (info.value.status, info.value.code) == (400, 520001)
    with pytest.raises(ValueError, match="has ended"):
        await emu.vote_native_poll(c, m, world.alice.id, 1)
    with pytest.raises(ValueError, match="already ended"):
        await emu.expire_native_poll(c, m)
    assert len([x for x in emu.channel_messages(world.general) if x.type == 46]) == 1


async def test_ending_is_refused_as_discord_refuses_it(
    emu: Emulator, world: World, client: PollClient
) -> None:
    channel = general(client, world)
    plain = await channel.send("not a poll")
    with pytest.raises(discord.HTTPException) as info:
        await client.http.end_poll(channel.id, plain.id)
    assert (info.value.status, info.value.code) == (400, 520006)

    members_poll = await emu.post_message(
        world.general, world.alice, "", poll=poll_spec("Mine?", "Yes", "No")
    )
    with pytest.raises(discord.Forbidden) as forbidden:
        await client.http.end_poll(channel.id, members_poll.id)
    assert forbidden.value.code == 50013 and not members_poll.poll_finalized

    with pytest.raises(discord.NotFound) as missing:
        await client.http.end_poll(channel.id, 1234)
    assert missing.value.code == 10008

    # Apps cannot vote (PUT .../answers/@me is for users).
    route = discord.http.Route(
        "PUT",
        "/channels/{channel_id}/polls/{message_id}/answers/@me",
        channel_id=channel.id,
        message_id=members_poll.id,
    )
    with pytest.raises(discord.Forbidden) as bots:
        await client.http.request(route, json={"answer_ids": ["1"]})
    assert bots.value.code == 20001 and members_poll.poll_counts() == {1: 0, 2: 0}


async def test_a_poll_ends_by_time_through_the_test_api(
    emu: Emulator, world: World, client: PollClient
) -> None:
    channel = general(client, world)
    message = await send_poll(client, channel, make_poll("Before March?", ("Yes", "No")))
    c, m = world.general.id, message.id
    await emu.vote_native_poll(c, m, world.alice.id, 1)
    await emu.vote_native_poll(c, m, world.bob.id, 2)
    expiry = record_of(emu, message).poll["expiry"]  # type: ignore[index]

    result = await emu.expire_native_poll(c, m)
    assert result.type == MessageType.POLL_RESULT and result.channel_id == c
    assert result.message_reference is not None and result.message_reference["message_id"] == str(m)
    fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
    # A tie: no winner fields, only the top count and the total.
    assert fields == {
        "poll_question_text": "Before March?",
        "victor_answer_votes": "1",
        "total_votes": "2",
    }
    assert record_of(emu, message).poll["expiry"] == expiry  # type: ignore[index]

    [(edit,)] = await client.wait_seen("raw_message_edit", predicate=lambda e: e.message_id == m)
    assert edit.data["poll"]["results"]["is_finalized"] is True
    [(seen,)] = await client.wait_seen("message", predicate=lambda msg: msg.id == result.id)
    assert seen.type is discord.MessageType.poll_result
    fetched = await channel.fetch_message(m)
    assert fetched.poll is not None and fetched.poll.is_finalized() and counts(fetched) == [1, 1]
    with pytest.raises(discord.HTTPException) as info:
        await message.end_poll()
    assert info.value.code == 520001

    nobody = await send_poll(client, channel, make_poll("Anyone?", ("Yes",)))
    empty = await emu.expire_native_poll(c, nobody.id)
    assert {f["name"]: f["value"] for f in empty.embeds[0]["fields"]} == {
        "poll_question_text": "Anyone?",
        "victor_answer_votes": "0",
        "total_votes": "0",
    }


async def test_a_poll_message_cannot_be_edited(
    emu: Emulator, world: World, client: PollClient
) -> None:
    message = await send_poll(client, general(client, world), make_poll())
    with pytest.raises(discord.HTTPException) as info:
        await message.edit(content="changed my mind")
    assert (info.value.status, info.value.code) == (400, 520003)
    assert record_of(emu, message).content == "" and record_of(emu, message).history == []
