"""Keeping a poll's message in step with its votes, without editing it on every vote.

A vote asks for an edit; the edit waits until the poll's last edit is ``interval`` seconds old
(at once if it already is), then reads the tally as it is and edits the message. Votes that come
meanwhile ride on that edit; a vote that lands after its read asks for the next one, so the
last edit always shows the exact final tally. Edits of one poll's message go one at a time
(the close's among them), so an older tally never overwrites a newer one, and each channel is
paced with the scheduled posts. A message that is gone (404) or closed to the bot (403) is
left alone from then on, logged once.

Pending edits count as work in flight; when the bot stops they are made at once instead of
waiting out their interval, within the shutdown's grace period.

With an interval of 0 every vote edits the message at once, unpaced: the naive design, kept only
so the benchmark can count what it costs (benchmarks/poll_votes.py)."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

import discord

from bot.app.in_flight import InFlight
from bot.app.pacing import Pacer
from bot.domain.errors import DomainError
from bot.domain.polls import PollView
from bot.render.poll_card import poll_embed
from bot.services.polls import PollService

log = logging.getLogger("launchbot.poll_tally")

INTERVAL = 2.0
Key = tuple[int, int]


class PollMessages:
    def __init__(
        self,
        client: discord.Client,
        polls: PollService,
        pacer: Pacer,
        in_flight: InFlight,
        *,
        interval: float = INTERVAL,
    ) -> None:
        self._client = client
        self._polls = polls
        self._pacer = pacer
        self._in_flight = in_flight
        self._interval = interval
        self._last: dict[Key, float] = {}
        self._waiting: dict[Key, asyncio.Task[None]] = {}
        self._locks: weakref.WeakValueDictionary[Key, asyncio.Lock] = weakref.WeakValueDictionary()
        self._gone: set[Key] = set()
        self._unposted: set[Key] = set()
        self._naive: set[asyncio.Task[None]] = set()
        """Polls whose tally changed before their message id was stored."""
        self.edits = 0
        """Edits made (a count for the benchmark and the log)."""

    def changed(self, guild_id: int, poll_id: int) -> None:
        """A vote changed the poll's tally: its message is edited soon (never blocks)."""
        key = (guild_id, poll_id)
        if not self._interval:
            naive = asyncio.create_task(self._edit_now(key))
            self._naive.add(naive)
            naive.add_done_callback(self._naive.discard)
            return
        if key in self._gone or key in self._waiting:
            return
        task = asyncio.create_task(self._edit_soon(key))
        self._waiting[key] = task

    def posted(self, guild_id: int, poll_id: int) -> None:
        """The poll's message id is stored: a vote that came before it gets its edit now."""
        key = (guild_id, poll_id)
        if key in self._unposted:
            self._unposted.discard(key)
            self.changed(guild_id, poll_id)

    async def show(self, view: PollView) -> None:
        """Edits the poll's message to ``view`` now (a close); raises ``discord.HTTPException``
        when Discord refuses, for the caller to retry or give up."""
        key = (view.poll.guild_id, view.poll.id)
        async with self._lock(key):
            self._last[key] = time.monotonic()
            await self._edit(key, view)

    def _lock(self, key: Key) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def _edit_soon(self, key: Key) -> None:
        async with self._in_flight.hold("poll tally"):
            try:
                await self._wait_turn(key)
            finally:
                self._waiting.pop(key, None)  # votes from here on ask for the next edit
            # The next edit's turn counts from now, even while this one waits for the channel's
            # pace: else every vote meanwhile would find its turn come and start an edit.
            self._last[key] = time.monotonic()
            try:
                async with self._lock(key):
                    if key in self._gone:  # found gone while this edit waited its turn
                        return
                    await self._edit(key, await self._polls.view(*key))
            except (discord.NotFound, discord.Forbidden) as error:
                self._gone.add(key)
                log.warning(
                    "poll %s in guild %s: its message can no longer be edited (%s %s); its "
                    "tally stays as it was", key[1], key[0], error.status, error.text,
                )  # fmt: skip
            except (discord.HTTPException, DomainError, OSError, TimeoutError) as error:
                log.warning("poll %s: the tally edit failed: %s", key[1], error)

    async def _edit_now(self, key: Key) -> None:
        async with self._in_flight.hold("poll tally"):
            try:
                async with self._lock(key):
                    await self._edit(key, await self._polls.view(*key), paced=False)
            except (discord.HTTPException, DomainError, OSError, TimeoutError) as error:
                log.warning("poll %s: the tally edit failed: %s", key[1], error)

    async def _wait_turn(self, key: Key) -> None:
        delay = self._last.get(key, -self._interval) + self._interval - time.monotonic()
        if delay <= 0 or self._in_flight.closing:
            return
        stopping = asyncio.ensure_future(self._in_flight.stopping.wait())
        try:
            await asyncio.wait([stopping], timeout=delay)
        finally:
            stopping.cancel()

    async def _edit(self, key: Key, view: PollView, *, paced: bool = True) -> None:
        # Imported here: the buttons' module reaches back to the bot class through
        # bot/ui/safe.py, which imports the dispatcher, which imports this module.
        from bot.ui.poll_buttons import poll_buttons

        poll = view.poll
        if poll.channel_id is None or poll.message_id is None:
            self._unposted.add(key)
            return
        if paced:
            await self._pacer.slot(poll.channel_id)
        message = self._client.get_partial_messageable(poll.channel_id).get_partial_message(
            poll.message_id
        )
        await message.edit(
            embed=poll_embed(view),
            view=poll_buttons(poll),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.edits += 1
        if len(self._last) > 10_000:  # forget polls long quiet
            now = time.monotonic()
            self._last = {k: t for k, t in self._last.items() if now - t < self._interval}
