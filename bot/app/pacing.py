"""Pacing under Discord's limits, so posts are spread out instead of refused with 429s: at most
``count`` sends per ``seconds`` (a sliding window), waiting for a free slot otherwise. The bot's
own pace also spaces its sends evenly: Discord counts requests as they arrive, and a burst sent
at the end of one second could arrive, jittered, in the next one's count. Slots are given as
requests are prepared; what keeps Discord's count under its limit as requests arrive, late or
bunched, is ``bot.app.wire_limit``."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

import discord

CHANNEL_SENDS = (5, 5.0)
"""About five messages per five seconds in one channel."""
DISCORD_PER_SECOND = 50
"""Discord's global limit: requests per second with the bot's token (answers to interactions do
not count against it). ``bot.app.wire_limit`` keeps every request under it as Discord counts."""
GLOBAL_PER_SECOND = 46.0
"""The pace of the bot's posts and edits, under Discord's 50, leaving four a second for the
bot's other requests (event mirrors, command sync) and for jitter on the way. The limit is the
bot's, however many processes run it: a process running some of its shards takes their share
(``share_of_budget``)."""


def share_of_budget(explicit: float | None, share: float) -> float:
    """A process's requests per second: as configured, or ``share`` (the part of the bot's
    shards it runs, 1 when it runs them all) of the bot's pace."""
    return explicit if explicit is not None else GLOBAL_PER_SECOND * share


class Pace:
    @classmethod
    def per_second(cls, rate: float) -> Pace:
        """``rate`` a second, spaced evenly (a rate below one: one request every 1/rate s)."""
        count = max(1, int(rate))
        return cls(count, count / rate, evenly=True)

    def __init__(self, count: int, seconds: float, *, evenly: bool = False) -> None:
        self._count = count
        self._seconds = seconds
        self._gap = seconds / count if evenly else 0.0
        self._next = 0.0
        """When the next even slot comes (a send woken a little late keeps the cadence)."""
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def slot(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self._seconds:
                    self._sent.popleft()
                wait = self._next - now
                if len(self._sent) >= self._count:
                    wait = max(wait, self._seconds - (now - self._sent[0]))
                if wait <= 0:
                    self._sent.append(now)
                    self._next = max(self._next, now - self._gap) + self._gap
                    return
                await asyncio.sleep(wait)

    def idle(self) -> bool:
        now = time.monotonic()
        return not self._sent or now - self._sent[-1] >= self._seconds


class Pacer:
    """One pace per channel (forgotten once idle) under one for the whole bot. While discord.py
    waits out a global 429 it holds every request and then lets them all go together; so the
    bot's pace waits with it (``global_wait``) instead of handing out slots to requests that
    would pile up there and fill the start of Discord's next second, meet the next 429, and so
    on, second after second."""

    def __init__(
        self,
        global_wait: Callable[[], asyncio.Event | None] = lambda: None,
        per_second: float = GLOBAL_PER_SECOND,
    ) -> None:
        self._global = Pace.per_second(per_second)
        self._channels: dict[int, Pace] = {}
        self._global_wait = global_wait

    async def slot(self, channel_id: int) -> None:
        pace = self._channels.get(channel_id)
        if pace is None:
            if len(self._channels) > 1000:
                self._channels = {k: v for k, v in self._channels.items() if not v.idle()}
            pace = self._channels[channel_id] = Pace(*CHANNEL_SENDS)
        await pace.slot()
        await self.request()

    async def request(self) -> None:
        """A request that sends no message (opening a DM channel): the bot's pace alone."""
        clear = self._global_wait()
        if clear is not None:
            await clear.wait()
        await self._global.slot()


def discord_global_wait(client: discord.Client) -> asyncio.Event | None:
    """discord.py's flag that no global rate limit is being waited out (set), or None before
    the client has logged in. It is not public: tests/e2e/test_post_storms.py checks it is
    there, so an upgrade that renames it fails a test instead of pacing blindly."""
    found = getattr(client.http, "_global_over", None)
    return found if isinstance(found, asyncio.Event) else None
