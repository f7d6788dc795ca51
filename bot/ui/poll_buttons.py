"""A poll's buttons: one per answer and "My vote", and the private "how sure?" menu a click on a
poll with confidence answers with. Each custom_id carries the server and the poll (and the
answer), so they work after a restart; all of it is user input, checked against the server the
click comes from and against the poll."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app.replies import defer_if_slow, reply
from bot.domain.errors import InvalidInput, NotAllowed, PollClosed
from bot.domain.poll_rules import ANSWERS_MAX
from bot.domain.polls import PollRecord
from bot.render.poll_card import (
    CONFIDENCE_CHOICES,
    how_sure_prompt,
    my_vote_reply,
    vote_reply,
)
from bot.ui.context import MAX_ROW_ID, NO_PINGS, bot_of
from bot.ui.safe import guarded

ELSEWHERE = "This poll belongs to another server."
DEFER_VOTE_AFTER = 2.0
"""A vote is one cheap statement, slow only behind another writer's lock: it is deferred later
than a command (a deferral is one more request, and when a burst of clicks keeps the bot busy,
deferring every vote that crossed one second would double the work and slow them all)."""
_IDS = r"(?P<guild>[0-9]{1,20}):(?P<poll>[0-9]{1,10})"


def _poll_id(interaction: discord.Interaction, guild_id: int, poll_id: int) -> int:
    if interaction.guild_id is None or interaction.guild_id != guild_id:
        raise NotAllowed(ELSEWHERE)
    if not 0 < poll_id <= MAX_ROW_ID:
        raise InvalidInput("This button does not belong to any poll.")
    return poll_id


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"lb:pv:{_IDS}:(?P<answer>[0-9]{{1,2}})",
):
    def __init__(
        self, guild_id: int, poll_id: int, answer: int, label: str = "?", disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"lb:pv:{guild_id}:{poll_id}:{answer}",
                disabled=disabled,
            )
        )
        self.guild_id, self.poll_id, self.answer = guild_id, poll_id, answer

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["guild"]), int(match["poll"]), int(match["answer"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._vote(interaction))

    async def _vote(self, interaction: discord.Interaction) -> None:
        poll_id = _poll_id(interaction, self.guild_id, self.poll_id)
        bot = bot_of(interaction)
        polls = bot.runtime.polls
        facts = await polls.facts(self.guild_id, poll_id)
        if facts.confidence:  # the vote is cast once the member says how sure they are
            if not 0 <= self.answer < len(facts.answers):
                raise InvalidInput("This button does not match any answer of the poll.")
            if not await polls.is_open(self.guild_id, poll_id):
                raise PollClosed(f"Poll #{poll_id} is closed: votes are no longer taken.")
            view = discord.ui.View(timeout=None)
            view.add_item(HowSureSelect(self.guild_id, poll_id, self.answer))
            await interaction.response.send_message(
                how_sure_prompt(facts.answers[self.answer]), view=view, ephemeral=True,
                allowed_mentions=NO_PINGS,
            )  # fmt: skip
            return
        defer_if_slow(interaction, bot.in_flight, ephemeral=True, after=DEFER_VOTE_AFTER)
        vote = await polls.vote(self.guild_id, poll_id, interaction.user.id, self.answer)
        bot.metrics.vote_recorded()
        await reply(interaction, vote_reply(vote), ephemeral=True, allowed_mentions=NO_PINGS)
        bot.poll_messages.changed(self.guild_id, poll_id)


class HowSureSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=rf"lb:ps:{_IDS}:(?P<answer>[0-9]{{1,2}})",
):
    def __init__(self, guild_id: int, poll_id: int, answer: int) -> None:
        super().__init__(
            discord.ui.Select(
                placeholder="How sure are you?",
                custom_id=f"lb:ps:{guild_id}:{poll_id}:{answer}",
                options=[
                    discord.SelectOption(label=label, value=str(percent))
                    for label, percent in CONFIDENCE_CHOICES
                ],
            )
        )
        self.guild_id, self.poll_id, self.answer = guild_id, poll_id, answer

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HowSureSelect:
        return cls(int(match["guild"]), int(match["poll"]), int(match["answer"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._vote(interaction))

    async def _vote(self, interaction: discord.Interaction) -> None:
        poll_id = _poll_id(interaction, self.guild_id, self.poll_id)
        data: Any = interaction.data or {}
        values = data.get("values")
        picked = values[0] if isinstance(values, list) and len(values) == 1 else ""
        picked = picked if isinstance(picked, str) else ""
        if not (picked.isascii() and picked.isdigit() and len(picked) <= 3):
            raise InvalidInput("Pick how sure you are from the list.")
        bot = bot_of(interaction)
        defer_if_slow(interaction, bot.in_flight, ephemeral=True, after=DEFER_VOTE_AFTER)
        vote = await bot.runtime.polls.vote(
            self.guild_id, poll_id, interaction.user.id, self.answer, int(picked)
        )
        bot.metrics.vote_recorded()
        await reply(interaction, vote_reply(vote), ephemeral=True, allowed_mentions=NO_PINGS)
        bot.poll_messages.changed(self.guild_id, poll_id)


class MyVoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"lb:pm:{_IDS}",
):
    def __init__(self, guild_id: int, poll_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="My vote",
                style=discord.ButtonStyle.secondary,
                custom_id=f"lb:pm:{guild_id}:{poll_id}",
            )
        )
        self.guild_id, self.poll_id = guild_id, poll_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> MyVoteButton:
        return cls(int(match["guild"]), int(match["poll"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._show(interaction))

    async def _show(self, interaction: discord.Interaction) -> None:
        poll_id = _poll_id(interaction, self.guild_id, self.poll_id)
        mine = await bot_of(interaction).runtime.polls.my_vote(
            self.guild_id, poll_id, interaction.user.id
        )
        await interaction.response.send_message(
            my_vote_reply(mine), ephemeral=True, allowed_mentions=NO_PINGS
        )


def poll_buttons(poll: PollRecord) -> discord.ui.View:
    """The buttons under a poll's message; once it closes, the answers no longer take clicks."""
    view = discord.ui.View(timeout=None)
    for answer, label in enumerate(poll.answers[:ANSWERS_MAX]):
        view.add_item(AnswerButton(poll.guild_id, poll.id, answer, label, not poll.is_open))
    view.add_item(MyVoteButton(poll.guild_id, poll.id))
    return view


POLL_ITEMS = (AnswerButton, HowSureSelect, MyVoteButton)
