"""Channel messages: limits (50035), nonce dedupe, permissions, mentions, DMs, edits."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from tests.emulator import Emulator, compute_pings, running_client

from .conftest import World, make_client


@pytest.fixture
async def client(emu: Emulator, world: World):  # type: ignore[no-untyped-def]
    c = make_client()
    async with running_client(c, emu):
        yield c


def channel_of(client: discord.Client, world: World, name: str = "general") -> discord.TextChannel:
    guild = client.get_guild(world.guild.id)
    assert guild is not None
    channel = discord.utils.get(guild.text_channels, name=name)
    assert channel is not None
    return channel


async def _expect_form_error(coro, *paths: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    with pytest.raises(discord.HTTPException) as info:
        await coro
    assert info.value.status == 400 and info.value.code == 50035
    for path in paths:
        assert path in str(info.value), str(info.value)
    return info.value.response  # type: ignore[no-any-return]


LIMIT_CASES = {
    "content": (dict(content="x" * 2001), "content"),
    "title": (dict(embed=discord.Embed(title="t" * 257)), "embeds.0.title"),
    "description": (dict(embed=discord.Embed(description="d" * 4097)), "embeds.0.description"),
    "footer": (dict(embed=discord.Embed().set_footer(text="f" * 2049)), "embeds.0.footer.text"),
    "author": (dict(embed=discord.Embed().set_author(name="a" * 257)), "embeds.0.author.name"),
    "total": (
        dict(embeds=[discord.Embed(description="d" * 4000), discord.Embed(description="d" * 2001)]),
        "embeds",
    ),
}


@pytest.mark.parametrize("case", list(LIMIT_CASES))
async def test_message_limits_are_enforced(
    emu: Emulator, world: World, client: discord.Client, case: str
) -> None:
    kwargs, path = LIMIT_CASES[case]
    await _expect_form_error(channel_of(client, world).send(**kwargs), path)
    assert emu.channel_messages(world.general) == []


async def test_embed_fields_limits(emu: Emulator, world: World, client: discord.Client) -> None:
    embed = discord.Embed(title="many")
    for i in range(26):
        embed.add_field(name=f"f{i}", value="v")
    await _expect_form_error(channel_of(client, world).send(embed=embed), "embeds.0.fields")
    embed = discord.Embed().add_field(name="n" * 257, value="v" * 1025)
    await _expect_form_error(
        channel_of(client, world).send(embed=embed),
        "embeds.0.fields.0.name",
        "embeds.0.fields.0.value",
    )


async def test_component_limits_are_enforced(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    def button(i: int, custom_id: str | None = None) -> dict:  # type: ignore[type-arg]
        return {"type": 2, "style": 1, "label": str(i), "custom_id": custom_id or f"b{i}"}

    route = Route("POST", "/channels/{channel_id}/messages", channel_id=world.general.id)
    six_rows = [{"type": 1, "components": [button(i)]} for i in range(6)]
    await _expect_form_error(
        client.http.request(route, json={"content": "x", "components": six_rows}), "components"
    )
    wide = [{"type": 1, "components": [button(i) for i in range(6)]}]
    await _expect_form_error(
        client.http.request(route, json={"content": "x", "components": wide}),
        "components.0.components",
    )
    long_id = [{"type": 1, "components": [button(0, "c" * 101)]}]
    await _expect_form_error(
        client.http.request(route, json={"content": "x", "components": long_id}),
        "components.0.components.0.custom_id",
    )
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="ok", custom_id="x" * 101))
    await _expect_form_error(channel_of(client, world).send("x", view=view), "custom_id")


async def test_more_than_ten_embeds(emu: Emulator, world: World, client: discord.Client) -> None:
    # discord.py refuses > 10 embeds itself, so go below it.
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=world.general.id)
    embeds = [{"title": str(i)} for i in range(11)]
    body = await _expect_form_error(client.http.request(route, json={"embeds": embeds}), "embeds")
    assert (
        emu.requests[-1].response["errors"]["embeds"]["_errors"][0]["code"]
        == "BASE_TYPE_MAX_LENGTH"
    )
    assert body is not None


async def test_empty_message_is_rejected(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=world.general.id)
    with pytest.raises(discord.HTTPException) as info:
        await client.http.request(route, json={"content": ""})
    assert info.value.code == 50006


async def test_nonce_dedupe_returns_the_first_message(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    channel = channel_of(client, world)
    first = await channel.send("launch day!", nonce=1234)
    second = await channel.send("launch day! (retry)", nonce=1234)
    assert second.id == first.id and second.content == "launch day!"
    other = await channel.send("another", nonce=5678)
    assert other.id != first.id
    assert [m.content for m in emu.channel_messages(world.general)] == ["launch day!", "another"]
    posts = emu.requests_matching("POST", "/channels/{channel_id}/messages")
    assert [p.json["enforce_nonce"] for p in posts] == [True, True, True]


async def test_send_edit_delete_and_history(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    channel = channel_of(client, world)
    msg = await channel.send("v1", file=discord.File(__file__, filename="spec.txt"))
    assert msg.attachments[0].filename == "spec.txt"
    assert (await msg.attachments[0].read()).startswith(b'"""Channel messages')
    edited = await msg.edit(content="v2")
    assert edited.content == "v2" and edited.edited_at is not None
    assert [m.content async for m in channel.history(limit=10)] == ["v2"]
    assert (await channel.fetch_message(msg.id)).content == "v2"
    record = emu.channel_messages(world.general)[0]
    assert record.history[0]["content"] == "v1" and record.files
    await msg.delete()
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(msg.id)


async def test_channel_permissions_are_enforced(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    staff = client.get_channel(world.staff_only.id)
    assert isinstance(staff, discord.TextChannel)
    with pytest.raises(discord.Forbidden) as info:
        await staff.send("hidden")
    assert info.value.code == 50001


async def test_allowed_mentions_decide_who_is_pinged(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    channel = channel_of(client, world)
    content = f"{world.alice.mention} {world.bob.mention} {world.fans.mention} @everyone"
    await channel.send(content)
    loud = emu.messages[-1].pings
    assert (
        loud.users == {world.alice.id, world.bob.id}
        and loud.roles == {world.fans.id}
        and loud.everyone
    )
    await channel.send(
        content,
        allowed_mentions=discord.AllowedMentions(
            everyone=False, roles=False, users=[world.alice.user]
        ),
    )
    quiet = emu.messages[-1]
    assert (
        quiet.pings.users == {world.alice.id} and not quiet.pings.roles and not quiet.pings.everyone
    )
    assert quiet.allowed_mentions == {"parse": [], "users": [world.alice.id], "replied_user": True}
    await channel.send(content, allowed_mentions=discord.AllowedMentions.none())
    assert emu.messages[-1].pings.nobody
    # Users who cannot see the channel are not notified.
    assert (
        compute_pings(world.bob.mention, None, guild=world.guild, channel=world.staff_only).users
        == set()
    )
    assert compute_pings(
        world.mod.mention, None, guild=world.guild, channel=world.staff_only
    ).users == {world.mod.id}


async def test_reply_pings_author_unless_told_not_to(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    original = await emu.post_message(world.general, world.alice, "when is the launch?")
    channel = channel_of(client, world)
    partial = channel.get_partial_message(original.id)
    await partial.reply("tomorrow")
    assert emu.messages[-1].pings.users == {world.alice.id}
    await partial.reply("tomorrow", mention_author=False)
    assert emu.messages[-1].pings.users == set()


async def test_direct_messages(emu: Emulator, world: World, client: discord.Client) -> None:
    alice = await client.fetch_user(world.alice.id)
    msg = await alice.send("your launch reminder")
    dm = emu.state.dm_channel(world.alice.user)
    assert msg.channel.id == dm.id and [m.content for m in emu.channel_messages(dm)] == [
        "your launch reminder"
    ]
    assert emu.requests_matching("POST", "/users/@me/channels")
    shy = emu.state.add_user("shy", accepts_dms=False)
    emu.state.add_member(world.guild, shy)
    with pytest.raises(discord.Forbidden) as info:
        await (await client.fetch_user(shy.id)).send("hi")
    assert info.value.code == 50007


async def test_user_messages_respect_message_content_intent(
    emu: Emulator, world: World, client: discord.Client
) -> None:
    import asyncio

    received: asyncio.Queue[discord.Message] = asyncio.Queue()
    client.event(_on_message(received))
    await emu.post_message(world.general, world.alice, "secret plans")
    await emu.post_message(world.general, world.alice, f"hey {client.user.mention}")  # type: ignore[union-attr]
    first, second = await received.get(), await received.get()
    assert first.content == "" and first.author.id == world.alice.id
    assert second.content.startswith("hey")


def _on_message(queue):  # type: ignore[no-untyped-def]
    async def on_message(message: discord.Message) -> None:
        queue.put_nowait(message)

    return on_message


async def test_edits_do_not_notify(emu: Emulator, world: World, client: discord.Client) -> None:
    msg = await channel_of(client, world).send("launch soon")
    edited = await msg.edit(content=f"launch soon {world.alice.mention}")
    record = emu.channel_messages(world.general)[-1]
    assert record.pings.nobody and record.mentions.users == {world.alice.id}
    assert [m.id for m in edited.mentions] == [world.alice.id]
