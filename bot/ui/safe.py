"""Every button callback runs its work through ``guarded``: the click counts as work in flight
(a shutdown waits for it), is refused while the bot stops, and reports failures the same way
commands do."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import discord

from bot.app.command_errors import handle_command_error, reply_privately
from bot.app.dm_notices import after_interaction
from bot.app.launch_bot import RESTARTING
from bot.ui.context import bot_of


async def guarded(interaction: discord.Interaction, work: Coroutine[Any, Any, None]) -> None:
    in_flight = bot_of(interaction).in_flight
    in_flight.adopt_current("button")
    if in_flight.closing:
        work.close()
        await reply_privately(interaction, RESTARTING)
        return
    after_interaction(interaction)
    try:
        await work
    except Exception as error:  # every failure reaches the user as a message, never silence
        await handle_command_error(interaction, error)
