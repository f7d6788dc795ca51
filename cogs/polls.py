"""/poll: predictions about launches. Editors create and close polls; every member votes with
the buttons under a poll's message (bot/ui/poll_buttons.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import limits
from bot.app.native_polls import check_permissions as check_native_permissions
from bot.app.replies import DEFERS_PUBLIC, reply
from bot.domain.poll_rules import ANSWERS_TEXT_MAX, QUESTION_MAX
from bot.domain.polls import NewPoll, PollView
from bot.render.poll_card import poll_embed
from bot.render.user_text import escape_user_text
from bot.ui.context import (
    NO_PINGS,
    actor_of,
    bot_of,
    guild_id_of,
    launch_autocomplete,
    launch_id_from,
)
from bot.ui.option_checks import check_options
from bot.ui.poll_buttons import POLL_ITEMS, poll_buttons
from cogs._poll_results import PollResultCommands

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot

log = logging.getLogger("launchbot.polls")
CLOSES = (
    "When voting ends, e.g. 2027-03-10 19:30 or 10 March 2027 (default: when the launch happens)"
)
NATIVE = "Post a Discord poll: at most 32 days and 10 answers, no confidence, results always shown"


async def open_poll_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await bot_of(interaction).runtime.polls.open_polls(
        interaction.guild_id, current.strip()[:QUESTION_MAX], limits.CHOICES
    )
    return [
        app_commands.Choice(
            name=limits.clip(f"#{p.id} {p.question} · {p.launch_title or 'removed launch'}", 100),
            value=str(p.id),
        )
        for p in found
    ]


@app_commands.guild_only()
@app_commands.guild_install()
class Polls(
    PollResultCommands, commands.GroupCog, name="poll", description="Predictions about launches"
):
    def __init__(self, bot: LaunchBot) -> None:
        self.bot = bot
        super().__init__()

    def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        check_options(interaction)  # before discord.py converts them: every value is user input
        return True

    @app_commands.command(
        name="create", description="Ask members to predict something about a launch",
        extras=DEFERS_PUBLIC,
    )  # fmt: skip
    @app_commands.describe(
        launch="Pick a launch (start typing its name)",
        question="Default: Will the <partner> collaboration appear on the <device>?",
        answers="2 to 10 answers separated by |, e.g. Yes | No | Not sure (default: Yes | No)",
        multiple="Members may pick several answers",
        confidence="Members say how sure they are (50-100 %); single-answer polls only",
        hidden="Hide the results until the poll closes",
        closes=CLOSES,
        native=NATIVE,
    )
    @app_commands.autocomplete(launch=launch_autocomplete)
    async def create(
        self,
        interaction: discord.Interaction,
        launch: str,
        question: app_commands.Range[str, 1, QUESTION_MAX] | None = None,
        answers: app_commands.Range[str, 1, ANSWERS_TEXT_MAX] | None = None,
        multiple: bool = False,
        confidence: bool = False,
        hidden: bool = False,
        closes: app_commands.Range[str, 1, 200] | None = None,
        native: bool = False,
    ) -> None:
        guild_id = guild_id_of(interaction)
        new = NewPoll(
            launch_id_from(launch), question, answers, multiple, confidence, hidden, closes, native
        )
        if native:
            check_native_permissions(interaction)
        polls = self.bot.runtime.polls
        created = await polls.create(guild_id, actor_of(interaction), new)
        poll = created.view.poll
        self.bot.dispatcher.wake_at(created.next_post_at)
        if native:
            await self.bot.native_polls.post(interaction, created)
            return
        message_id = await reply(
            interaction, embed=poll_embed(created.view), view=poll_buttons(poll),
            allowed_mentions=NO_PINGS,
        )  # fmt: skip
        if message_id is not None and interaction.channel_id is not None:
            await polls.set_message(guild_id, poll.id, interaction.channel_id, message_id)
            self.bot.poll_messages.posted(guild_id, poll.id)

    @app_commands.command(
        name="close", description="Close a poll now, before its time", extras=DEFERS_PUBLIC
    )
    @app_commands.describe(poll="Pick an open poll (start typing its question)")
    @app_commands.autocomplete(poll=open_poll_autocomplete)
    async def close(self, interaction: discord.Interaction, poll: str) -> None:
        guild_id = guild_id_of(interaction)
        poll_id = launch_id_from(poll, "poll")
        closed = await self.bot.runtime.polls.close(guild_id, actor_of(interaction), poll_id)
        if not closed.closed_now:
            await reply(interaction, f"Poll #{poll_id} is closed already.", ephemeral=True)
            return
        view = closed.view
        if view.poll.native:  # ended on Discord first, so the reply shows the votes read back
            view = await self._show(view)
        who = escape_user_text(interaction.user.display_name)
        await reply(
            interaction, f"{who} closed poll #{poll_id} early.", embed=poll_embed(view),
            allowed_mentions=NO_PINGS,
        )  # fmt: skip
        if not view.poll.native:
            await self._show(view)

    async def _show(self, view: PollView) -> PollView:
        try:
            return await self.bot.poll_messages.show(view)
        except discord.HTTPException as error:
            log.warning(
                "poll %s closed, but its message could not be updated: %s", view.poll.id, error
            )
            return view


async def setup(bot: LaunchBot) -> None:
    await bot.add_cog(Polls(bot))
    bot.add_dynamic_items(*POLL_ITEMS)
