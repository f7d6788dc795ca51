"""Buttons and modals report failures the same way commands do."""

from __future__ import annotations

from collections.abc import Awaitable

import discord

from bot.app.command_errors import handle_command_error


async def guarded(interaction: discord.Interaction, work: Awaitable[None]) -> None:
    try:
        await work
    except Exception as error:  # every failure reaches the user as a message, never silence
        await handle_command_error(interaction, error)
