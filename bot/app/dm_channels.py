"""Members' DM channels for scheduled posts: each opened once (a request of its own, paced with
the bot's other requests) and remembered, where discord.py keeps only the latest 128; a burst of
DMs to a few thousand members would otherwise open a channel for almost every post, unpaced,
and run into Discord's global limit."""

from __future__ import annotations

from collections import OrderedDict

import discord

from bot.app.pacing import Pacer

REMEMBERED = 20_000
"""Members whose DM channel id is kept (about 100 bytes each)."""


class DmChannels:
    def __init__(self, client: discord.Client, pacer: Pacer, remembered: int = REMEMBERED) -> None:
        self._client = client
        self._pacer = pacer
        self._remembered = remembered
        self._ids: OrderedDict[int, int] = OrderedDict()

    async def channel_id(self, user_id: int) -> int:
        known = self._ids.get(user_id)
        if known is not None:
            self._ids.move_to_end(user_id)
            return known
        await self._pacer.request()
        channel = await self._client.create_dm(discord.Object(user_id))
        self._ids[user_id] = channel.id
        if len(self._ids) > self._remembered:
            self._ids.popitem(last=False)
        return channel.id
