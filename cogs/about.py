"""/about: what this bot is and how it is doing."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if days or hours else []
    parts += [f"{minutes}m", f"{seconds}s"] if not days else [f"{minutes}m"]
    return " ".join(parts)


class About(commands.Cog):
    def __init__(self, bot: LaunchBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="Version, uptime and health of launchbot")
    async def about(self, interaction: discord.Interaction) -> None:
        bot = self.bot
        latency = "n/a" if math.isnan(bot.latency) else f"{bot.latency * 1000:.0f} ms"
        embed = discord.Embed(
            title="launchbot",
            description="The smartphone launch calendar: rumours, confirmations and reminders.",
            colour=discord.Colour.blurple(),
        )
        embed.add_field(name="Version", value=__version__)
        embed.add_field(name="Uptime", value=_duration(bot.clock() - bot.started_at))
        embed.add_field(name="Database", value=bot.settings.backend)
        embed.add_field(name="Gateway latency", value=latency)
        if interaction.guild_id is not None:
            launches = await bot.runtime.calendar.count(interaction.guild_id)
            embed.add_field(name="Launches in this server", value=str(launches))
            embed.add_field(name="Pending posts", value="none (scheduled posts are not built yet)")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: LaunchBot) -> None:
    await bot.add_cog(About(bot))
