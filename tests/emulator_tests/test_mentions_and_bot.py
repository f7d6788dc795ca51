"""compute_pings() rules, and a commands.Bot with a Cog answering through the emulator."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from tests.emulator import Emulator, Perm, compute_pings, running_client

from .conftest import World


def test_pings_follow_allowed_mentions(world: World) -> None:
    guild, general = world.guild, world.general
    roles = f"{world.fans.mention} {world.moderator.mention}"
    text = f"{world.alice.mention} <@!{world.bob.id}> {roles} @here"
    default = compute_pings(text, None, guild=guild, channel=general)
    assert default.users == {world.alice.id, world.bob.id}
    assert default.roles == {world.fans.id, world.moderator.id} and default.everyone
    # Without MENTION_EVERYONE, only mentionable roles ping and @here does not.
    weak = compute_pings(
        text, None, guild=guild, channel=general, author_permissions=int(Perm.SEND_MESSAGES)
    )
    assert weak.roles == {world.fans.id} and not weak.everyone
    only_roles = compute_pings(text, {"parse": ["roles"]}, guild=guild, channel=general)
    assert only_roles.users == set() and only_roles.roles == {world.fans.id, world.moderator.id}
    listed = compute_pings(text, {"users": [str(world.bob.id), "42"]}, guild=guild, channel=general)
    assert listed.users == {world.bob.id} and not listed.everyone
    assert compute_pings("@everyone in an embed?", {"parse": []}).nobody
    assert compute_pings("no mentions", None).nobody


async def test_commands_bot_with_cog(emu: Emulator, world: World) -> None:
    class Launches(commands.Cog):
        @app_commands.command(name="next", description="Next launch")
        @app_commands.describe(brand="Brand")
        @app_commands.choices(brand=[app_commands.Choice(name="Apple", value="apple")])
        async def next_launch(self, interaction: discord.Interaction, brand: str) -> None:
            embed = discord.Embed(title=f"Next {brand} launch", description="Soon")
            await interaction.response.send_message(embed=embed)

    bot = commands.Bot(
        command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05
    )
    await bot.add_cog(Launches())
    async with running_client(bot, emu):
        await bot.tree.sync()
        handle = await emu.invoke_slash(
            world.guild, world.alice, "next", options={"brand": "apple"}
        )
        response = await handle.wait_response()
        assert response.embeds[0]["title"] == "Next apple launch" and not response.ephemeral
        # Non-ephemeral responses are real channel messages with interaction metadata.
        message = emu.channel_messages(world.general)[-1]
        assert message is response.message and message.interaction_metadata is not None
        assert message.interaction_metadata["user"]["id"] == str(world.alice.id)
        try:
            await emu.invoke_slash(world.guild, world.alice, "next", options={"brand": "nokia"})
        except ValueError as exc:
            assert "not one of" in str(exc)
        else:
            raise AssertionError("a value outside the choices was accepted")
