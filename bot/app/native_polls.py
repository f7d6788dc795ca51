"""Polls posted as Discord native polls: posting one for ``/poll create native:true``, and, when
it closes (its scheduled close, or ``/poll close``), ending it on Discord and reading back who
voted for what, stored as the poll's votes so resolving and scoring work as for button polls.

Votes are read once, at the end, from each answer's voters (``answer.voters()``, 100 a page),
so the bot needs no gateway intent for poll votes (GUILD_MESSAGE_POLLS) and keeps no count of
its own. Reading again (a close retried after a crash) stores the same votes once: the poll has
ended on Discord, its voters no longer change, and the rows are upserted."""

from __future__ import annotations

import logging

import discord

from bot.app.pacing import Pacer
from bot.app.replies import reply
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput
from bot.domain.native_polls import choices_of
from bot.domain.polls import PollCreated, PollView
from bot.domain.records import Actor
from bot.domain.text import NAME_MAX
from bot.render.native_poll import native_intro, native_poll
from bot.services.native_votes import NativeVoteService
from bot.services.polls import PollService

log = logging.getLogger("launchbot.native_polls")

POLL_ENDED = 520001
"""Discord's code for ending a poll that has ended already (by its time, say)."""
EVERY_PAGE = 1 << 40
"""A limit for ``voters()`` that pages until Discord has no more (counts not final yet)."""


def check_permissions(interaction: discord.Interaction) -> None:
    """The bot's permissions in the channel, as Discord sent them with the interaction: Send
    Polls to post the poll, Read Message History to read its voters when it ends."""
    perms = interaction.app_permissions
    missing = [
        name
        for name, granted in (
            ("Send Polls", perms.send_polls),
            ("Read Message History", perms.read_message_history),
        )
        if not granted
    ]
    if missing:
        raise InvalidInput(
            f"I need the {' and '.join(missing)} permission in this channel to post a Discord "
            "poll and read its votes when it ends. Ask an admin to grant it, or leave native "
            "off for a poll with buttons. Nothing was created."
        )


class NativePolls:
    def __init__(
        self,
        client: discord.Client,
        polls: PollService,
        votes: NativeVoteService,
        pacer: Pacer,
        clock: Clock,
    ) -> None:
        self._client = client
        self._polls = polls
        self._votes = votes
        self._pacer = pacer
        self._clock = clock

    async def post(self, interaction: discord.Interaction, created: PollCreated) -> None:
        """The created poll as the command's answer. If Discord refuses it, the poll is taken
        back; if it closed while it was being posted, it is ended at once."""
        poll = created.view.poll
        now = self._clock()
        try:
            message_id = await reply(
                interaction, native_intro(poll, now), poll=native_poll(poll, now),
                allowed_mentions=discord.AllowedMentions.none(),
            )  # fmt: skip
        except discord.HTTPException as error:
            actor = Actor(interaction.user.id, interaction.user.display_name[:NAME_MAX])
            reason = f"Discord refused the poll: {error.status} {error.text}"
            await self._votes.discard(poll.guild_id, actor, poll.id, reason)
            raise InvalidInput(f"{reason[:300]}. Nothing was created.") from error
        if message_id is None or interaction.channel_id is None:
            return
        await self._polls.set_message(poll.guild_id, poll.id, interaction.channel_id, message_id)
        if not await self._polls.is_open(poll.guild_id, poll.id):
            await self.finish(await self._polls.view(poll.guild_id, poll.id))

    async def finish(self, view: PollView) -> PollView:
        """Ends the closed poll on Discord (or finds it ended by Discord's timer), reads every
        answer's voters and stores them as the poll's votes; the poll with that tally. Raises
        ``discord.HTTPException`` when Discord refuses, for the caller to retry or give up."""
        poll = view.poll
        if not poll.native or poll.channel_id is None or poll.message_id is None:
            return view
        message = await self._ended(poll.guild_id, poll.channel_id, poll.message_id)
        if message.poll is None:
            log.warning("poll %s: its message %s has no poll", poll.id, poll.message_id)
            return view
        voters = await _voters(message.poll)
        votes = choices_of(voters, len(poll.answers))
        log.info("poll %s ended on Discord: %d members voted", poll.id, len(votes))
        return await self._votes.store(poll.guild_id, poll.id, votes)

    async def _ended(self, guild_id: int, channel_id: int, message_id: int) -> discord.Message:
        channel = self._client.get_partial_messageable(channel_id, guild_id=guild_id)
        message = channel.get_partial_message(message_id)
        await self._pacer.slot(channel_id)
        try:
            return await message.end_poll()
        except discord.HTTPException as error:
            if error.code != POLL_ENDED:
                raise
        return await message.fetch()


async def _voters(poll: discord.Poll) -> list[tuple[int, int]]:
    """``(answer id, user id)`` for every vote. Final counts say how many pages to ask for
    (none for an answer nobody chose); counts not final yet are paged until Discord has no
    more."""
    final = poll.is_finalized()
    found: list[tuple[int, int]] = []
    for answer in poll.answers:
        if final and answer.vote_count == 0:
            continue
        limit = answer.vote_count if final else EVERY_PAGE
        found += [(answer.id, user.id) async for user in answer.voters(limit=limit)]
    return found
