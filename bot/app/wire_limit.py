"""Discord's global limit kept where it is counted: as requests go on the wire.

The bot's pace (``bot.app.pacing``) spaces its requests evenly when they are prepared, but
Discord counts a request when it gets there, and on a loaded machine the time in between varies
(the bot's or the server's process waits for a core): requests sent evenly can be counted
bunched, 51 in one second. So each request that counts against the bot's global limit (one
sent with the bot's token: answers to interactions and their follow-ups are not) starts only
while fewer than ``ceiling`` requests are on their way or ended less than a second ago. Discord
counts a request after it is sent and before its answer arrives, so any second of Discord's
holds at most ``ceiling`` of them, however late each is counted: when the last of them to be
sent started, every other one had started and was on its way or had ended less than a second
before."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping
from types import SimpleNamespace

import aiohttp
from yarl import URL

from bot.app.pacing import DISCORD_PER_SECOND, GLOBAL_PER_SECOND


def counts_against_global(url: URL, headers: Mapping[str, str]) -> bool:
    """A request to Discord's REST API with the bot's token; not the gateway's websocket,
    nor an interaction's callback or follow-up (authorised by the interaction's token)."""
    return url.scheme in ("http", "https") and headers.get("Authorization", "").startswith("Bot ")


class WireLimit:
    def __init__(self, per_second: float = GLOBAL_PER_SECOND, seconds: float = 1.0) -> None:
        """``per_second``: the process's pace; its ceiling is the same share of Discord's 50."""
        self.ceiling = max(1, int(per_second * DISCORD_PER_SECOND / GLOBAL_PER_SECOND + 1e-9))
        self._seconds = seconds
        self._on_the_way = 0
        self._ended: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._an_end = asyncio.Event()

    def counted(self) -> int:
        """Requests on their way, and those that ended less than ``seconds`` ago."""
        now = time.monotonic()
        while self._ended and now - self._ended[0] >= self._seconds:
            self._ended.popleft()
        return self._on_the_way + len(self._ended)

    async def start(self) -> None:
        """Waits until a request may go; it is then on its way until ``end``. Cancelled while
        waiting, it counts for nothing."""
        async with self._lock:
            while self.counted() >= self.ceiling:
                if self._ended:
                    await asyncio.sleep(self._ended[0] + self._seconds - time.monotonic())
                else:
                    self._an_end.clear()
                    await self._an_end.wait()
            self._on_the_way += 1

    def end(self) -> None:
        self._on_the_way -= 1
        self._ended.append(time.monotonic())
        self._an_end.set()

    def attach(self, trace: aiohttp.TraceConfig) -> None:
        """Holds each counted request of the session in ``on_request_start``; aiohttp gives
        every request that passed it an end or an exception."""

        async def on_start(
            _session: aiohttp.ClientSession,
            context: SimpleNamespace,
            params: aiohttp.TraceRequestStartParams,
        ) -> None:
            if counts_against_global(params.url, params.headers):
                await self.start()
                context.on_the_way = True

        async def on_end(
            _session: aiohttp.ClientSession, context: SimpleNamespace, _params: object
        ) -> None:
            if getattr(context, "on_the_way", False):
                context.on_the_way = False
                self.end()

        trace.on_request_start.append(on_start)
        trace.on_request_end.append(on_end)
        trace.on_request_exception.append(on_end)
