"""/subscribe, /unsubscribe, /subscriptions: a member's own reminders, by DM."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import limits
from bot.app.replies import DEFERS_PRIVATE, reply
from bot.domain.errors import InvalidInput
from bot.domain.subscriptions import SubscribedTo
from bot.domain.text import NAME_MAX
from bot.render.subscriptions import subscribed, subscriptions_embed, unsubscribed
from bot.render.when import when_short
from bot.ui.context import (
    NO_PINGS,
    bot_of,
    brand_autocomplete,
    guild_id_of,
    launch_autocomplete,
    launch_id_from,
)
from bot.ui.option_checks import check_options
from bot.ui.remind_button import RemindMeButton, StopRemindingButton

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot

ONE_OF = "Give a launch or a brand (one of them)."


async def my_launches(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return await _mine(interaction, current, SubscribedTo.LAUNCH)


async def my_brands(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return await _mine(interaction, current, SubscribedTo.BRAND)


async def _mine(
    interaction: discord.Interaction, current: str, to: SubscribedTo
) -> list[app_commands.Choice[str]]:
    """The member's own subscriptions of one kind, matching what was typed."""
    if interaction.guild_id is None:
        return []
    found = await bot_of(interaction).runtime.subscriptions.of_member(
        interaction.guild_id, interaction.user.id
    )
    typed = current.casefold().strip()
    choices = []
    for item in found:
        if item.to is not to or typed not in item.name.casefold():
            continue
        if to is SubscribedTo.LAUNCH:
            name, value = f"#{item.id} {item.name} · {when_short(item.window)}", str(item.id)
        else:
            name, value = item.name, item.name
        choices.append(
            app_commands.Choice(
                name=limits.clip(name, limits.CHOICE_NAME), value=value[: limits.CHOICE_VALUE]
            )
        )
    return choices[: limits.CHOICES]


def _one_of(launch: str | None, brand: str | None) -> None:
    if (launch is None) == (brand is None):
        raise InvalidInput(ONE_OF)


class Subscriptions(commands.Cog):
    def __init__(self, bot: LaunchBot) -> None:
        self.bot = bot

    def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        check_options(interaction)  # before discord.py converts them: every value is user input
        return True

    @app_commands.command(
        name="subscribe",
        description="Get a launch's reminders by DM, or those of every launch of a brand",
        extras=DEFERS_PRIVATE,
    )
    @app_commands.describe(
        launch="Pick a launch (start typing its name)", brand="Every launch of this brand"
    )
    @app_commands.autocomplete(launch=launch_autocomplete, brand=brand_autocomplete)
    @app_commands.guild_only()
    @app_commands.guild_install()
    async def subscribe(
        self,
        interaction: discord.Interaction,
        launch: str | None = None,
        brand: app_commands.Range[str, 1, NAME_MAX] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        _one_of(launch, brand)
        service = self.bot.runtime.subscriptions
        user_id = interaction.user.id
        if launch is not None:
            result = await service.subscribe_launch(guild_id, user_id, launch_id_from(launch))
        else:
            assert brand is not None
            result = await service.subscribe_brand(guild_id, user_id, brand)
        await reply(interaction, subscribed(result), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(
        name="unsubscribe",
        description="Stop a launch's (or a brand's) reminders by DM",
        extras=DEFERS_PRIVATE,
    )
    @app_commands.describe(launch="One of your launches", brand="One of your brands")
    @app_commands.autocomplete(launch=my_launches, brand=my_brands)
    @app_commands.guild_only()
    @app_commands.guild_install()
    async def unsubscribe(
        self,
        interaction: discord.Interaction,
        launch: str | None = None,
        brand: app_commands.Range[str, 1, NAME_MAX] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        _one_of(launch, brand)
        service = self.bot.runtime.subscriptions
        user_id = interaction.user.id
        if launch is not None:
            result = await service.unsubscribe_launch(guild_id, user_id, launch_id_from(launch))
        else:
            assert brand is not None
            result = await service.unsubscribe_brand(guild_id, user_id, brand)
        await reply(interaction, unsubscribed(result), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="subscriptions", description="The reminders you get by DM")
    @app_commands.guild_only()
    @app_commands.guild_install()
    async def subscriptions(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        found = await self.bot.runtime.subscriptions.of_member(guild_id, interaction.user.id)
        await interaction.response.send_message(
            embed=subscriptions_embed(found), ephemeral=True, allowed_mentions=NO_PINGS
        )


async def setup(bot: LaunchBot) -> None:
    await bot.add_cog(Subscriptions(bot))
    bot.add_dynamic_items(RemindMeButton, StopRemindingButton)
