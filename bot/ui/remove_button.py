"""The "Remove" confirmation button. Its custom_id carries the server, launch and caller, so it
survives restarts; those ids are user input and are checked against where the click came from."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app.replies import defer_update_if_slow, update_message
from bot.domain.errors import NotAllowed
from bot.render.user_text import escape_user_text
from bot.ui.context import NO_PINGS, actor_of, bot_of, launch_id_from
from bot.ui.safe import guarded


class RemoveLaunchButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"lb:rm:(?P<guild>[0-9]{1,20}):(?P<launch>[0-9]{1,10}):(?P<user>[0-9]{1,20})",
):
    def __init__(self, guild_id: int, launch_id: int, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Remove it",
                style=discord.ButtonStyle.danger,
                custom_id=f"lb:rm:{guild_id}:{launch_id}:{user_id}",
            )
        )
        self.guild_id, self.launch_id, self.user_id = guild_id, launch_id, user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RemoveLaunchButton:
        return cls(int(match["guild"]), int(match["launch"]), int(match["user"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._remove(interaction))

    async def _remove(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id != self.guild_id or interaction.user.id != self.user_id:
            raise NotAllowed("This button belongs to someone else's request.")
        launch_id = launch_id_from(str(self.launch_id))
        bot = bot_of(interaction)
        defer_update_if_slow(interaction, bot.in_flight)
        change = await bot.runtime.calendar.remove(self.guild_id, actor_of(interaction), launch_id)
        name = change.before.title if change.before else f"#{self.launch_id}"
        await update_message(
            interaction,
            content=f"Removed {escape_user_text(name)}.",
            view=None,
            allowed_mentions=NO_PINGS,
        )
        # The prompt was only for the editor; the channel sees what was removed and by whom.
        who = escape_user_text(interaction.user.display_name)
        await interaction.followup.send(
            f"{who} removed **{escape_user_text(name)}** and its claims from the calendar.",
            allowed_mentions=NO_PINGS,
        )
        await bot.announcer.after_change(interaction, change)


def remove_prompt(guild_id: int, launch_id: int, user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(RemoveLaunchButton(guild_id, launch_id, user_id))
    return view
