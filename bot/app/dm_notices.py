"""Telling a member, once and privately, that the bot could not DM them their reminders. It
happens after whatever they did next (a command or a button) has been answered, so the notice
is a follow-up where they are; members with nothing waiting cost no query."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.render.subscriptions import dm_notice

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot

log = logging.getLogger("launchbot.dm_notices")


def after_interaction(interaction: discord.Interaction[Any]) -> None:
    """From the interaction's own task: once that task ends, the member's notice follows."""
    bot: LaunchBot = interaction.client
    if interaction.guild_id is None or not bot.runtime.subscriptions.has_notice(
        interaction.guild_id, interaction.user.id
    ):
        return
    task = asyncio.current_task()
    if task is None:
        return

    def ended(_: asyncio.Task[object]) -> None:
        if not bot.in_flight.closing:
            bot.in_flight.adopt(asyncio.create_task(tell(interaction)), "dm notice")

    task.add_done_callback(ended)


async def tell(interaction: discord.Interaction[Any]) -> None:
    guild_id = interaction.guild_id
    if guild_id is None:
        return
    bot: LaunchBot = interaction.client
    try:
        notice = await bot.runtime.subscriptions.take_notice(guild_id, interaction.user.id)
        if notice is None:
            return
        text = dm_notice(notice)
        none = discord.AllowedMentions.none()
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=none)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=none)
    except Exception:  # the notice is a courtesy: never let it break anything else
        log.exception("could not tell member %s about their DMs", interaction.user.id)
