"""Sending a poll's outcome post: to the poll's channel, as a reply to the poll's message while
that is still there (a plain post once it is gone), with what the payload says, since the poll
may have been resolved again before this post went out (that resolution has a post of its own).

``bot/app/post_kinds.py`` registers it (importing it when the composers are built, since this
module uses its ``Send`` and ``Drop``)."""

from __future__ import annotations

import discord

from bot.app.post_kinds import Drop, Send
from bot.domain.poll_resolution import OutcomeNotice
from bot.domain.records import ClaimedPost
from bot.domain.vocabulary import PostState
from bot.render.poll_outcome import outcome_post


class PollOutcomes:
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def compose(self, post: ClaimedPost, *, late: bool) -> Send | Drop:
        try:
            notice = OutcomeNotice.from_payload(post.payload)
        except ValueError:
            return Drop(PostState.FAILED, "the outcome's content could not be read")
        reply = self._may_reply(post.guild_id, notice.channel_id)
        return Send(outcome_post(notice, late=late, reply=reply), channel_id=notice.channel_id)

    def _may_reply(self, guild_id: int, channel_id: int) -> bool:
        """Discord refuses a reply from a bot that may not read the channel's history."""
        guild = self._client.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if guild is None or channel is None or isinstance(channel, discord.CategoryChannel):
            return False
        return channel.permissions_for(guild.me).read_message_history
