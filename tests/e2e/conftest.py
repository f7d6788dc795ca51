"""Fixtures for end-to-end tests: the emulator, a populated server, and the real bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import discord.gateway
import discord.http
import pytest

from bot.domain.clock import Clock, utc_now
from tests.e2e.harness import TOKEN, RunningBot, Server, build_server, start_bot
from tests.emulator import Emulator


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Iterator[None]:
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(TOKEN) as emulator:
        yield emulator


@pytest.fixture
def server(emu: Emulator) -> Server:
    return build_server(emu)


StartBot = Callable[..., Awaitable[RunningBot]]


@pytest.fixture
async def launch_bot(emu: Emulator, db_url: str, server: Server) -> AsyncIterator[StartBot]:
    """Starts the bot (stopping each one at the end); extra keyword args are env settings."""
    running: list[RunningBot] = []

    async def start(clock: Clock = utc_now, **extra: str) -> RunningBot:
        bot = await start_bot(emu, db_url, clock, **extra)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if not bot.task.done():
            await bot.stop()


@pytest.fixture
async def bot(launch_bot: StartBot) -> RunningBot:
    return await launch_bot()
