"""tree.sync() against the emulator: stored, returned with ids, counted, validated."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from tests.emulator import Emulator, running_client

from .conftest import World, make_client


def build_tree(client: discord.Client, guild_id: int) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    launch = app_commands.Group(name="launch", description="Phone launches")
    admin = app_commands.Group(name="admin", description="Admin tools", parent=launch)

    @launch.command(name="info", description="Show a launch")
    async def info(interaction: discord.Interaction, phone: str) -> None: ...

    @admin.command(name="purge", description="Forget a launch")
    async def purge(interaction: discord.Interaction, phone: str, really: bool = False) -> None: ...

    tree.add_command(launch)

    @tree.command(name="ping", description="Ping", guild=discord.Object(guild_id))
    async def ping(interaction: discord.Interaction) -> None: ...

    @tree.context_menu(name="Launch details")
    async def details(interaction: discord.Interaction, message: discord.Message) -> None: ...

    return tree


async def test_sync_stores_and_returns_commands_with_ids(emu: Emulator, world: World) -> None:
    client = make_client()
    tree = build_tree(client, world.guild.id)
    async with running_client(client, emu):
        synced = await tree.sync()
        assert {c.name for c in synced} == {"launch", "Launch details"}
        assert all(c.id and c.application_id == emu.state.application.id for c in synced)
        guild_synced = await tree.sync(guild=discord.Object(world.guild.id))
        assert [c.name for c in guild_synced] == ["ping"] and guild_synced[
            0
        ].guild_id == world.guild.id

        fetched = await tree.fetch_commands()
        assert {c.id for c in fetched} == {c.id for c in synced}
        launch = next(c for c in fetched if c.name == "launch")
        group = next(o for o in launch.options if o.name == "admin")
        assert isinstance(group, app_commands.AppCommandGroup)
        assert [o.name for o in group.options] == ["purge"]

        # Re-syncing keeps ids (Discord matches on name + type) and is counted.
        again = await tree.sync()
        assert {c.id for c in again} == {c.id for c in synced}
    assert [(s.guild_id, sorted(s.names)) for s in emu.command_syncs] == [
        (None, ["Launch details", "launch"]),
        (world.guild.id, ["ping"]),
        (None, ["Launch details", "launch"]),
    ]
    assert [c["name"] for c in emu.commands(world.guild)] == ["ping"]


async def test_invalid_commands_fail_with_50035(emu: Emulator, world: World) -> None:
    client = make_client()
    async with running_client(client, emu):
        app_id = emu.state.application.id
        bad = [
            {"name": "Launch", "description": "upper case", "type": 1},
            {
                "name": "ok",
                "description": "x" * 101,
                "type": 1,
                "options": [
                    {"name": "b", "description": "b", "type": 3},
                    {"name": "a", "description": "a", "type": 3, "required": True},
                ],
            },
            {"name": "ok", "description": "duplicate", "type": 1},
        ]
        with pytest.raises(discord.HTTPException) as info:
            await client.http.bulk_upsert_global_commands(app_id, payload=bad)
        assert info.value.status == 400 and info.value.code == 50035
        errors = emu.requests[-1].response["errors"]
        assert errors["0"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
        assert errors["1"]["description"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
        assert "required" in errors["1"]["options"]["1"]
        assert errors["2"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMANDS_DUPLICATE_NAME"
        assert emu.command_syncs == []


async def test_visibility_fields_are_stored_validated_and_applied(
    emu: Emulator, world: World
) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name="admin", description="Managers only, servers only")
    @app_commands.guild_only()
    @app_commands.guild_install()
    @app_commands.default_permissions(manage_events=True)
    async def admin(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    @tree.command(name="anywhere", description="Servers and DMs")
    @app_commands.guild_install()
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def anywhere(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    async with running_client(client, emu):
        await tree.sync()
        stored = {c["name"]: c for c in emu.commands()}
        assert stored["admin"]["contexts"] == [0]
        assert stored["admin"]["integration_types"] == [0]
        assert stored["admin"]["default_member_permissions"] == str(1 << 33)
        assert stored["anywhere"]["contexts"] == [0, 1]
        assert stored["anywhere"]["default_member_permissions"] is None
        fetched = {c.name: c for c in await tree.fetch_commands()}
        assert fetched["admin"].default_member_permissions == discord.Permissions(
            manage_events=True
        )

        # What Discord's client would not offer: a DM for a server-only command, a member
        # without the default permissions. The moderator has Manage Events.
        with pytest.raises(PermissionError):
            await emu.invoke_slash(None, world.alice.user, "admin")
        with pytest.raises(PermissionError):
            await emu.invoke_slash(world.guild, world.alice, "admin")
        handle = await emu.invoke_slash(world.guild, world.mod, "admin")
        assert (await handle.wait_response()).content == "ok"
        handle = await emu.invoke_slash(None, world.alice.user, "anywhere")
        assert (await handle.wait_response()).content == "ok"

        bad = [
            {"name": "x", "description": "x", "type": 1, "contexts": [0, 7]},
            {"name": "y", "description": "y", "type": 1, "integration_types": ["guild"]},
        ]
        with pytest.raises(discord.HTTPException) as info:
            await client.http.bulk_upsert_global_commands(emu.state.application.id, payload=bad)
        assert info.value.code == 50035
        errors = emu.requests[-1].response["errors"]
        assert errors["0"]["contexts"]["1"]["_errors"][0]["code"] == "ENUM_TYPE_COERCE"
        assert errors["1"]["integration_types"]["0"]["_errors"][0]["code"] == "ENUM_TYPE_COERCE"
