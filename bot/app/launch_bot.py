"""The Bot: built with everything it needs passed in, as discord.py's advanced_startup example."""

from __future__ import annotations

import asyncio
import logging
import pkgutil
import time
from typing import Any

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

import cogs
from bot.app.announcer import Announcer
from bot.app.command_errors import handle_command_error, reply_privately
from bot.app.command_sync import sync_commands
from bot.config import Settings
from bot.domain.clock import Clock
from bot.runtime import Runtime

log = logging.getLogger("launchbot.bot")

SHUTDOWN_GRACE_SECONDS = 10.0


def bot_intents() -> discord.Intents:
    """Only the non-privileged guilds intent: slash commands and buttons arrive as interactions,
    and the bot never reads message content, member lists or presences."""
    return discord.Intents(guilds=True)


class LaunchTree(app_commands.CommandTree["LaunchBot"]):
    async def _call(self, interaction: discord.Interaction[LaunchBot]) -> None:
        # Wraps the library's dispatch to time and log every command and count work in flight.
        bot = self.client
        if bot.closing:
            await reply_privately(interaction, "The bot is restarting; try again in a minute.")
            return
        started = time.perf_counter()
        bot.work_started()
        try:
            await super()._call(interaction)
        finally:
            bot.work_finished()
            if interaction.type is discord.InteractionType.application_command:
                _log_interaction(interaction, started)

    async def on_error(
        self, interaction: discord.Interaction[LaunchBot], error: app_commands.AppCommandError
    ) -> None:
        await handle_command_error(interaction, error)


def _log_interaction(interaction: discord.Interaction[Any], started: float) -> None:
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    command = interaction.command.qualified_name if interaction.command else "?"
    outcome = "failed" if interaction.command_failed else "ok"
    log.info(
        "interaction guild=%s user=%s command=/%s latency_ms=%s outcome=%s",
        interaction.guild_id,
        interaction.user.id,
        command,
        latency_ms,
        outcome,
        extra={
            "guild_id": interaction.guild_id,
            "user_id": interaction.user.id,
            "command": command,
            "latency_ms": latency_ms,
        },
    )


class LaunchBot(commands.Bot):
    def __init__(
        self,
        *,
        settings: Settings,
        runtime: Runtime,
        scheduler: AsyncIOScheduler,
        clock: Clock,
        force_sync: bool = False,
        sync_only: bool = False,
        **client_options: Any,
    ) -> None:
        # launchbot has no voice features, so discord.py's warnings about voice libraries are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            **client_options,
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            tree_cls=LaunchTree,
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
        )
        self.settings = settings
        self.runtime = runtime
        self.scheduler = scheduler
        self.clock = clock
        self.force_sync = force_sync
        self.sync_only = sync_only
        self.started_at = clock()
        self.closing = False
        self.in_flight = 0
        self._idle = asyncio.Event()
        self.became_ready = asyncio.Event()
        self._idle.set()
        self.synced = False
        self.announcer = Announcer(runtime, clock)

    async def setup_hook(self) -> None:
        for module in pkgutil.iter_modules(cogs.__path__):
            if not module.name.startswith("_"):
                await self.load_extension(f"{cogs.__name__}.{module.name}")
        if self.application_id is None:
            raise RuntimeError("logged in without an application id")
        self.synced = await sync_commands(
            self.tree,
            application_id=self.application_id,
            dev_guild_id=self.settings.dev_guild_id,
            state=self.runtime.bot_state,
            force=self.force_sync,
        )
        if not self.sync_only:
            self.scheduler.start()

    async def on_ready(self) -> None:
        user = self.user
        log.info("ready as %s (%s) in %d servers", user, user.id if user else "?", len(self.guilds))
        self.became_ready.set()

    def work_started(self) -> None:
        self.in_flight += 1
        self._idle.clear()

    def work_finished(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self._idle.set()

    async def drain(self, grace_seconds: float = SHUTDOWN_GRACE_SECONDS) -> bool:
        """Stops taking new work and waits (bounded) for commands in flight. True if all ended."""
        self.closing = True
        try:
            async with asyncio.timeout(grace_seconds):
                await self._idle.wait()
        except TimeoutError:
            log.warning("shutting down with %d commands still running", self.in_flight)
            return False
        return True

    async def close(self) -> None:
        self.closing = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()
