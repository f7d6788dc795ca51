"""/about: what this bot is and how it is doing."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot import __version__
from bot.domain.vocabulary import PostState

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot


class About(commands.Cog):
    def __init__(self, bot: LaunchBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="Version, uptime and health of launchbot")
    @app_commands.guild_install()
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def about(self, interaction: discord.Interaction) -> None:
        bot = self.bot
        latency = "n/a" if math.isnan(bot.latency) else f"{bot.latency * 1000:.0f} ms"
        embed = discord.Embed(
            title="launchbot",
            description="The smartphone launch calendar: rumours, confirmations and reminders.",
            colour=discord.Colour.blurple(),
        )
        embed.add_field(name="Version", value=__version__)
        embed.add_field(name="Started", value=format_dt(bot.started_at, "R"))
        embed.add_field(name="Database", value=bot.settings.backend)
        embed.add_field(name="Gateway latency", value=latency)
        if interaction.guild_id is not None:
            launches = await bot.runtime.calendar.count(interaction.guild_id)
            embed.add_field(name="Launches in this server", value=str(launches))
            counts = await bot.runtime.deliveries.counts(interaction.guild_id)
            embed.add_field(name="Pending posts", value=str(counts.get(PostState.PENDING, 0)))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: LaunchBot) -> None:
    await bot.add_cog(About(bot))
