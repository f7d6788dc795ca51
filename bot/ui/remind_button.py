"""The "Remind me" button on launch cards and change notices, and the "Stop reminding me" button
it answers with. Each custom_id carries the server and the launch, so the buttons work after a
restart; both are user input, checked against the server the click comes from."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app.replies import defer_if_slow, defer_update_if_slow, reply, update_message
from bot.domain.errors import NotAllowed
from bot.render.subscriptions import subscribed, unsubscribed
from bot.ui.context import NO_PINGS, bot_of, launch_id_from
from bot.ui.safe import guarded

ELSEWHERE = "This button belongs to another server's calendar."


def _checked(interaction: discord.Interaction, guild_id: int, launch_id: int) -> int:
    if interaction.guild_id is None or interaction.guild_id != guild_id:
        raise NotAllowed(ELSEWHERE)
    return launch_id_from(str(launch_id))


class RemindMeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"lb:remind:(?P<guild>[0-9]{1,20}):(?P<launch>[0-9]{1,10})",
):
    def __init__(self, guild_id: int, launch_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Remind me",
                emoji="🔔",
                style=discord.ButtonStyle.secondary,
                custom_id=f"lb:remind:{guild_id}:{launch_id}",
            )
        )
        self.guild_id, self.launch_id = guild_id, launch_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RemindMeButton:
        return cls(int(match["guild"]), int(match["launch"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._subscribe(interaction))

    async def _subscribe(self, interaction: discord.Interaction) -> None:
        launch_id = _checked(interaction, self.guild_id, self.launch_id)
        bot = bot_of(interaction)
        defer_if_slow(interaction, bot.in_flight, ephemeral=True)
        result = await bot.runtime.subscriptions.subscribe_launch(
            self.guild_id, interaction.user.id, launch_id
        )
        view = discord.ui.View(timeout=None)
        view.add_item(StopRemindingButton(self.guild_id, launch_id))
        await reply(
            interaction, subscribed(result), view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )


class StopRemindingButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"lb:unremind:(?P<guild>[0-9]{1,20}):(?P<launch>[0-9]{1,10})",
):
    def __init__(self, guild_id: int, launch_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Stop reminding me",
                emoji="🔕",
                style=discord.ButtonStyle.secondary,
                custom_id=f"lb:unremind:{guild_id}:{launch_id}",
            )
        )
        self.guild_id, self.launch_id = guild_id, launch_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> StopRemindingButton:
        return cls(int(match["guild"]), int(match["launch"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._unsubscribe(interaction))

    async def _unsubscribe(self, interaction: discord.Interaction) -> None:
        launch_id = _checked(interaction, self.guild_id, self.launch_id)
        bot = bot_of(interaction)
        defer_update_if_slow(interaction, bot.in_flight)
        result = await bot.runtime.subscriptions.unsubscribe_launch(
            self.guild_id, interaction.user.id, launch_id
        )
        await update_message(
            interaction, content=unsubscribed(result), view=None, allowed_mentions=NO_PINGS
        )


def remind_me(guild_id: int, launch_id: int) -> discord.ui.View:
    """The view a launch card or a change notice carries."""
    view = discord.ui.View(timeout=None)
    view.add_item(RemindMeButton(guild_id, launch_id))
    return view
