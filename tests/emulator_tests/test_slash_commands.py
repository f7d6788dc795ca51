"""Slash commands, autocomplete and context menus injected over the gateway reach real
app_commands handlers; their responses, defers, follow-ups and edits are recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.emulator import CallbackType, Emulator, InteractionType, MessageFlag, running_client

from .conftest import World, make_client


class Bot:
    """A discord.Client with a few commands whose handlers record what they received."""

    def __init__(self, guild_id: int) -> None:
        self.client = make_client()
        self.tree = app_commands.CommandTree(self.client)
        self.seen: dict[str, Any] = {}
        tree, seen = self.tree, self.seen
        launch = app_commands.Group(
            name="launch", description="Phone launches", guild_ids=[guild_id]
        )
        admin = app_commands.Group(name="admin", description="Admin", parent=launch)

        @launch.command(name="info", description="Show a launch")
        async def info(
            interaction: discord.Interaction,
            phone: str,
            year: int,
            confirmed: bool,
            who: discord.Member,
            where: discord.TextChannel,
            role: discord.Role,
            price: float,
        ) -> None:
            seen["info"] = dict(
                phone=phone,
                year=year,
                confirmed=confirmed,
                who=who,
                where=where,
                role=role,
                price=price,
                guild_id=interaction.guild_id,
                user=interaction.user,
                perms=interaction.permissions,
                app_perms=interaction.app_permissions,
                locale=interaction.locale,
            )
            await interaction.response.send_message(f"{phone} ({year})", ephemeral=True)

        @admin.command(name="purge", description="Forget a launch")
        async def purge(interaction: discord.Interaction, phone: str) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send(f"purging {phone}")
            await interaction.edit_original_response(content=f"purged {phone}")
            await interaction.followup.send("details", ephemeral=True)

        @launch.command(name="search", description="Search")
        async def search(interaction: discord.Interaction, phone: str) -> None:
            await interaction.response.send_message(f"found {phone}")

        @search.autocomplete("phone")
        async def phone_complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            seen["current"] = current
            count = 30 if current == "many" else 3
            return [
                app_commands.Choice(name=f"{current} {i}", value=f"{current}-{i}")
                for i in range(count)
            ]

        tree.add_command(launch)

        @tree.context_menu(name="Who is this")
        async def who_is(interaction: discord.Interaction, member: discord.Member) -> None:
            await interaction.response.send_message(f"that is {member.name}")

        @tree.command(name="slow", description="Answers late")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            try:
                await interaction.response.send_message("too late?")
            except discord.NotFound as exc:
                seen["late"] = exc
            seen["interaction"] = interaction


@pytest.fixture
async def bot(emu: Emulator, world: World):  # type: ignore[no-untyped-def]
    b = Bot(world.guild.id)
    async with running_client(b.client, emu):
        await b.tree.sync()
        await b.tree.sync(guild=discord.Object(world.guild.id))
        yield b


async def test_subcommand_with_typed_options_reaches_handler(
    emu: Emulator, world: World, bot: Bot
) -> None:
    handle = await emu.invoke_slash(
        world.guild,
        world.alice,
        "launch",
        subcommand="info",
        options={
            "phone": "Pixel 10",
            "year": 2025,
            "confirmed": True,
            "who": world.bob,
            "where": world.announcements,
            "role": world.fans,
            "price": 799.5,
        },
        channel=world.announcements,
        locale="fr",
    )
    response = await handle.wait_response()
    assert response.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
    assert response.content == "Pixel 10 (2025)" and response.ephemeral
    assert response.message is not None and response.message.flags & MessageFlag.EPHEMERAL
    seen = bot.seen["info"]
    assert seen["phone"] == "Pixel 10" and seen["year"] == 2025 and seen["confirmed"] is True
    assert seen["price"] == 799.5
    assert isinstance(seen["who"], discord.Member) and seen["who"].id == world.bob.id
    assert seen["where"].id == world.announcements.id and seen["role"].id == world.fans.id
    assert seen["guild_id"] == world.guild.id and seen["user"].id == world.alice.id
    assert seen["perms"].send_messages and not seen["perms"].manage_messages
    assert seen["app_perms"].send_messages
    assert seen["locale"] is discord.Locale.french
    callback = await emu.wait_for_request(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )
    assert callback.query["with_response"] == "1" and callback.json["data"]["flags"] == 64
    # Ephemeral responses are not channel messages.
    assert emu.channel_messages(world.announcements) == []


async def test_defer_followups_and_edits(emu: Emulator, world: World, bot: Bot) -> None:
    handle = await emu.invoke_slash(
        world.guild,
        world.mod,
        "launch",
        group="admin",
        subcommand="purge",
        options={"phone": "Galaxy"},
    )
    response = await handle.wait_response()
    assert response.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE and response.ephemeral
    second = await handle.wait_followup(2)
    first = handle.followups[0]
    # The first follow-up after a defer replaces the "thinking..." message (and stays ephemeral).
    assert handle.original is first and first.ephemeral and not first.loading
    assert first.content == "purged Galaxy" and [h["content"] for h in first.history] == [
        "",
        "purging Galaxy",
    ]
    assert second.content == "details" and second.ephemeral and second is not first


async def test_autocomplete_returns_choices_and_limits_them(
    emu: Emulator, world: World, bot: Bot
) -> None:
    handle = await emu.invoke_autocomplete(
        world.guild,
        world.alice,
        "launch",
        subcommand="search",
        focused="phone",
        options={"phone": "pix"},
    )
    response = await handle.wait_response()
    assert response.type == CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    assert [c["value"] for c in response.choices] == ["pix-0", "pix-1", "pix-2"]
    assert handle.payload["type"] == InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE
    assert bot.seen["current"] == "pix"

    too_many = await emu.invoke_autocomplete(
        world.guild,
        world.alice,
        "launch",
        subcommand="search",
        focused="phone",
        options={"phone": "many"},
    )
    _, status, code = await too_many.wait_error()
    assert (status, code) == (400, 50035) and too_many.response is None
    errors = emu.requests_matching("POST", "/interactions/*", status=400)[-1].response["errors"]
    assert errors["data"]["choices"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"


async def test_user_context_menu(emu: Emulator, world: World, bot: Bot) -> None:
    handle = await emu.invoke_context_menu(world.guild, world.alice, "Who is this", world.bob)
    assert (await handle.wait_response()).content == "that is bob"


async def test_response_after_three_seconds_is_unknown_interaction() -> None:
    async with Emulator(interaction_response_timeout=0.2) as emu:
        from .conftest import build_world

        world = build_world(emu)
        bot = Bot(world.guild.id)
        async with running_client(bot.client, emu):
            await bot.tree.sync()
            handle = await emu.invoke_slash(world.guild, world.alice, "slow")
            assert await handle.wait_error() == (
                "/interactions/{interaction_id}/{interaction_token}/callback",
                404,
                10062,
            )
            async with asyncio.timeout(15):  # the handler records the refusal it was given
                while True:
                    if "interaction" in bot.seen:
                        break
                    await asyncio.sleep(0.02)
            late = bot.seen["late"]
            assert isinstance(late, discord.NotFound) and late.code == 10062
            assert late.text == "Unknown interaction"
            assert handle.response is None


async def test_second_response_is_already_acknowledged(
    emu: Emulator, world: World, bot: Bot
) -> None:
    import aiohttp

    handle = await emu.invoke_slash(
        world.guild, world.alice, "launch", subcommand="search", options={"phone": "x"}
    )
    await handle.wait_response()
    url = f"{emu.api_base}/interactions/{handle.id}/{handle.token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "again"}}) as resp,
    ):
        assert resp.status == 400 and resp.headers["Content-Type"] == "application/json"
        assert await resp.json() == {
            "message": "Interaction has already been acknowledged.",
            "code": 40060,
        }


async def test_expired_token_rejects_followups() -> None:
    async with Emulator(interaction_token_ttl=0.3) as emu:
        from .conftest import build_world

        world = build_world(emu)
        bot = Bot(world.guild.id)
        async with running_client(bot.client, emu):
            await bot.tree.sync(guild=discord.Object(world.guild.id))
            await emu.invoke_slash(
                world.guild, world.alice, "launch", subcommand="search", options={"phone": "x"}
            )
            interaction = await _wait_interaction(bot)
            await asyncio.sleep(0.4)
            with pytest.raises(discord.HTTPException) as info:
                await interaction.followup.send("too late")
            assert info.value.status == 401 and info.value.code == 50027


async def _wait_interaction(bot: Bot) -> discord.Interaction:
    future: asyncio.Future[discord.Interaction] = asyncio.get_running_loop().create_future()

    @bot.client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        if not future.done():
            future.set_result(interaction)

    return await asyncio.wait_for(future, 15)


async def test_injection_refuses_what_discord_would_not_send(
    emu: Emulator, world: World, bot: Bot
) -> None:
    with pytest.raises(LookupError):
        await emu.invoke_slash(world.guild, world.alice, "nope")
    with pytest.raises(ValueError, match="required option"):
        await emu.invoke_slash(world.guild, world.alice, "launch", subcommand="search")
    with pytest.raises(ValueError, match="needs a subcommand"):
        await emu.invoke_slash(world.guild, world.alice, "launch")
    with pytest.raises(ValueError, match="unknown option"):
        await emu.invoke_slash(
            world.guild, world.alice, "launch", subcommand="search", options={"phone": "a", "x": 1}
        )
    # Guild commands do not exist in other guilds.
    with pytest.raises(LookupError):
        await emu.invoke_slash(
            world.other_guild, world.alice, "launch", subcommand="search", options={"phone": "a"}
        )


async def test_forged_option_values_reach_the_handler_unchecked(
    emu: Emulator, world: World, bot: Bot
) -> None:
    handle = await emu.invoke_forged_slash(
        world.guild,
        world.alice,
        "launch",
        subcommand="info",
        options={
            "phone": "Pixel",
            "year": 2025,
            "confirmed": True,
            "who": world.bob,
            "where": world.announcements,
            "role": world.fans,
            "price": 1.0,
        },
        forged={"year": "not a number", "price": 1e300, "role": "123"},
    )
    await handle.wait_response()
    seen = bot.seen["info"]
    assert seen["year"] == "not a number" and seen["price"] == 1e300
    assert seen["role"].id == 123 and not isinstance(seen["role"], discord.Role)
    with pytest.raises(ValueError, match="no option"):
        await emu.invoke_forged_slash(
            world.guild, world.alice, "launch", subcommand="search", options={"phone": "a"},
            forged={"x": 1},
        )  # fmt: skip


async def test_original_and_followup_message_endpoints(emu: Emulator, world: World) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)
    seen: dict[str, Any] = {}
    done = asyncio.Event()

    @tree.command(name="report", description="Report")
    async def report(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("draft", file=discord.File(__file__, "r.txt"))
        original = await interaction.original_response()
        seen["original"] = original.content
        await interaction.edit_original_response(content="final")
        extra = await interaction.followup.send("extra", wait=True)
        await extra.edit(content="extra (edited)")
        fetched = await interaction.followup.fetch_message(extra.id)
        seen["fetched"] = fetched.content
        await interaction.delete_original_response()
        done.set()

    async with running_client(client, emu):
        await tree.sync()
        handle = await emu.invoke_slash(world.guild, world.alice, "report")
        followup = await handle.wait_followup()
        await asyncio.wait_for(done.wait(), 15)
        assert handle.original is not None and handle.original.deleted
        assert seen == {"original": "draft", "fetched": "extra (edited)"}
        assert handle.original is not None and handle.original.attachments[0]["filename"] == "r.txt"
        assert [m.content for m in emu.channel_messages(world.general)] == [followup.content]
        routes = {r.route for r in emu.requests if r.route.startswith("/webhooks")}
        assert routes == {
            "/webhooks/{webhook_id}/{webhook_token}",
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        }


async def test_slash_command_in_dm(emu: Emulator, world: World) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name="where", description="Where am I")
    async def where(interaction: discord.Interaction) -> None:
        kind = "dm" if interaction.guild_id is None else "guild"
        await interaction.response.send_message(f"{kind} {interaction.user.name}")

    @tree.command(name="serveronly", description="Guild only")
    @app_commands.guild_only()
    async def server_only(interaction: discord.Interaction) -> None: ...

    async with running_client(client, emu):
        await tree.sync()
        handle = await emu.invoke_slash(None, world.alice.user, "where")
        assert (await handle.wait_response()).content == "dm alice"
        assert handle.payload["context"] == 1 and "user" in handle.payload
        with pytest.raises(PermissionError):
            await emu.invoke_slash(None, world.alice.user, "serveronly")
