"""Waiting at start-up for a gateway that cannot be reached yet.

Once connected, discord.py reconnects by itself. Its first connection cannot retry: when that
fails, the retry reads the previous connection's sequence number and ends the process with
``AttributeError: 'NoneType' object has no attribute 'sequence'``. So before the client
connects, the gateway is tried (a WebSocket opened and closed) until it answers, with backoff and
one log line per failed attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import aiohttp
import discord
from discord.gateway import DiscordWebSocket
from discord.http import INTERNAL_API_VERSION

log = logging.getLogger("launchbot.app")

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 60.0
ATTEMPT_TIMEOUT_SECONDS = 30.0


def delays() -> Iterator[float]:
    """1, 2, 4, ... seconds, then a minute between attempts."""
    delay = FIRST_DELAY_SECONDS
    while True:
        yield delay
        delay = min(delay * 2, MAX_DELAY_SECONDS)


async def wait_for_gateway(client: discord.Client, stopping: asyncio.Event) -> bool:
    """True once the gateway accepts a WebSocket; False if ``stopping`` is set first.
    Call it after ``client.login`` (it uses the client's HTTP session)."""
    url = DiscordWebSocket.DEFAULT_GATEWAY
    query: dict[str, str | int] = {"v": INTERNAL_API_VERSION, "encoding": "json"}
    pauses = delays()
    attempt = 0
    while True:
        attempt += 1
        delay = next(pauses)
        try:
            async with asyncio.timeout(ATTEMPT_TIMEOUT_SECONDS):
                socket = await client.http.ws_connect(str(url.with_query(query)))
                await socket.close()
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning(
                "cannot reach the Discord gateway at %s (attempt %d: %s); trying again in %.0f s",
                url,
                attempt,
                _reason(exc),
                delay,
            )
        else:
            if attempt > 1:
                log.info("reached the Discord gateway at %s (attempt %d)", url, attempt)
            return True
        try:
            async with asyncio.timeout(delay):
                await stopping.wait()
            return False
        except TimeoutError:
            continue


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {ATTEMPT_TIMEOUT_SECONDS:.0f} s"
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return f"HTTP {exc.status}"
    return str(exc) or type(exc).__name__
