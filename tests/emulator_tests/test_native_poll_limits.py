"""Native polls: the create-request limits Discord enforces (400 50035 Invalid Form Body) and the
answer voters endpoint (paged by user id, at most 100 a page)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import discord
import pytest
from discord.http import Route

from tests.emulator import Emulator, running_client

from .conftest import World
from .poll_client import PollClient, make_poll, poll_spec

MESSAGES = "/channels/{channel_id}/messages"
VOTERS = "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}"


@pytest.fixture
async def client(emu: Emulator, world: World) -> AsyncIterator[PollClient]:
    async with running_client(PollClient(), emu) as c:
        yield c


def answers(*texts: str) -> list[dict[str, Any]]:
    return [{"poll_media": {"text": t}} for t in texts]


BAD_POLLS: dict[str, tuple[dict[str, Any], tuple[str, ...], str]] = {
    "question over 300": (
        poll_spec("q" * 301),
        ("question", "text"),
        "BASE_TYPE_MAX_LENGTH",
    ),
    "no question": (
        {"question": {"text": ""}, "answers": answers("Yes")},
        ("question", "text"),
        "BASE_TYPE_REQUIRED",
    ),
    "answer over 55": (
        poll_spec("Q?", "Yes", "a" * 56),
        ("answers", "1", "poll_media", "text"),
        "BASE_TYPE_MAX_LENGTH",
    ),
    "empty answer": (
        poll_spec("Q?", "Yes", ""),
        ("answers", "1", "poll_media", "text"),
        "BASE_TYPE_REQUIRED",
    ),
    "no answers": (
        {"question": {"text": "Q?"}, "answers": []},
        ("answers",),
        "BASE_TYPE_BAD_LENGTH",
    ),
    "eleven answers": (
        poll_spec("Q?", *[str(i) for i in range(11)]),
        ("answers",),
        "BASE_TYPE_BAD_LENGTH",
    ),
    "zero hours": (poll_spec(duration=0), ("duration",), "NUMBER_TYPE_MIN"),
    "over 32 days": (poll_spec(duration=769), ("duration",), "NUMBER_TYPE_MAX"),
    "part of an hour": (poll_spec(duration=1.5), ("duration",), "NUMBER_TYPE_COERCE"),
    "multiselect not a boolean": (
        poll_spec(allow_multiselect="yes"),
        ("allow_multiselect",),
        "BASE_TYPE_BOOLEAN",
    ),
    "unknown layout": (poll_spec(layout_type=2), ("layout_type",), "ENUM_TYPE_COERCE"),
}


@pytest.mark.parametrize("case", list(BAD_POLLS))
async def test_invalid_polls_are_refused_with_discords_form_error(
    emu: Emulator, world: World, client: PollClient, case: str
) -> None:
    poll, path, code = BAD_POLLS[case]
    route = Route("POST", MESSAGES, channel_id=world.general.id)
    with pytest.raises(discord.HTTPException) as info:
        await client.http.request(route, json={"poll": poll})
    assert (info.value.status, info.value.code) == (400, 50035)
    assert "In poll." + ".".join(path) in str(info.value)
    node = emu.requests[-1].response["errors"]["poll"]
    for part in path:
        node = node[part]
    assert [e["code"] for e in node["_errors"]] == [code]
    assert emu.channel_messages(world.general) == []


async def test_discord_py_polls_past_the_limits_are_refused(
    emu: Emulator, world: World, client: PollClient
) -> None:
    channel = client.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    too_long = make_poll("Leica on the Xiaomi 12 Ultra? " * 11)
    too_many = make_poll(answers=tuple(f"Answer {i}" for i in range(11)))
    too_late = make_poll(hours=32 * 24 + 1)
    for poll, path in (
        (too_long, "poll.question.text"),
        (too_many, "poll.answers"),
        (too_late, "poll.duration"),
    ):
        with pytest.raises(discord.HTTPException) as info:
            await channel.send(poll=poll)
        assert info.value.code == 50035 and f"In {path}:" in str(info.value)

    # Exactly at every limit is fine.
    at_limits = make_poll("q" * 300, tuple("a" * 55 for _ in range(10)), hours=32 * 24)
    message = await channel.send(poll=at_limits)
    assert message.poll is not None and len(message.poll.answers) == 10
    assert message.poll.duration == timedelta(days=32)
    assert [m.id for m in emu.channel_messages(world.general)] == [message.id]


async def test_voters_come_in_pages_of_at_most_100_by_user_id(
    emu: Emulator, world: World, client: PollClient
) -> None:
    channel = client.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    voters = [emu.state.add_member(world.guild, f"voter{i}") for i in range(120)]
    message = await channel.send(poll=make_poll())
    for voter in voters:
        await emu.vote_native_poll(world.general.id, message.id, voter.id, 1)
    await emu.vote_native_poll(world.general.id, message.id, world.alice.id, 2)
    ids = sorted(v.id for v in voters)

    fetched = await channel.fetch_message(message.id)
    assert fetched.poll is not None
    answer = fetched.poll.get_answer(1)
    assert answer is not None and answer.vote_count == 120
    cursor = emu.request_cursor()
    assert sorted([u.id async for u in answer.voters()]) == ids
    pages = emu.requests_matching("GET", VOTERS, since=cursor)
    assert [(r.query.get("limit"), r.query.get("after")) for r in pages] == [
        ("100", None),
        ("20", str(ids[99])),
    ]

    http = client.http
    page = await http.get_poll_answer_voters(channel.id, message.id, 1, after=ids[9], limit=5)
    assert [int(u["id"]) for u in page["users"]] == ids[10:15]
    assert len((await http.get_poll_answer_voters(channel.id, message.id, 1))["users"]) == 25
    only = await http.get_poll_answer_voters(channel.id, message.id, 2)
    assert [u["id"] for u in only["users"]] == [str(world.alice.id)]
    for limit in (0, 101):
        with pytest.raises(discord.HTTPException) as info:
            await http.get_poll_answer_voters(channel.id, message.id, 1, limit=limit)
        assert info.value.code == 50035 and "In limit:" in str(info.value)
    with pytest.raises(discord.HTTPException) as unknown:
        await http.get_poll_answer_voters(channel.id, message.id, 3)
    assert unknown.value.code == 50035 and "In answer_id:" in str(unknown.value)
    plain = await channel.send("no poll")
    with pytest.raises(discord.NotFound):
        await http.get_poll_answer_voters(channel.id, plain.id, 1)
