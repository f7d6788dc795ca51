"""The Bot: built with everything it needs passed in, as discord.py's advanced_startup example."""

from __future__ import annotations

import asyncio
import logging
import pkgutil
import time
from datetime import timedelta
from typing import Any

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

import cogs
from bot.app.announcer import Announcer
from bot.app.command_errors import handle_command_error, reply_privately
from bot.app.command_sync import sync_commands
from bot.app.dispatcher import Dispatcher
from bot.app.dm_notices import after_interaction
from bot.app.in_flight import InFlight
from bot.app.metrics import Metrics
from bot.app.native_polls import NativePolls
from bot.app.pacing import Pacer, discord_global_wait, share_of_budget
from bot.app.plan_checks import PlanChecks
from bot.app.poll_tally import PollMessages
from bot.app.replies import arm_auto_defer
from bot.app.unknown_buttons import answer_unknown_click, is_unknown_click
from bot.app.wire_limit import WireLimit
from bot.config import Settings
from bot.domain.clock import Clock
from bot.runtime import Runtime

log = logging.getLogger("launchbot.bot")

SHUTDOWN_GRACE_SECONDS = 10.0
RESTARTING = "The bot is restarting; try again in a moment."


def bot_intents() -> discord.Intents:
    """Only the non-privileged guilds intent: slash commands and buttons arrive as interactions,
    and the bot never reads message content, member lists or presences."""
    return discord.Intents(guilds=True)


class LaunchTree(app_commands.CommandTree["LaunchBot"]):
    async def interaction_check(self, interaction: discord.Interaction[LaunchBot], /) -> bool:
        """Every command and autocomplete passes here first, in its own task: the task is counted
        in flight until it ends, and while the bot stops it is answered without running."""
        in_flight = self.client.in_flight
        if interaction.type is discord.InteractionType.autocomplete:
            in_flight.adopt_current("autocomplete")
            if in_flight.closing:
                await interaction.response.autocomplete([])
                return False
            return True
        in_flight.adopt_current("command")
        if in_flight.closing:
            await reply_privately(interaction, RESTARTING)
            return False
        started = time.perf_counter()
        task = asyncio.current_task()
        if task is not None:
            metrics = self.client.metrics
            task.add_done_callback(lambda _: _log_interaction(interaction, started, metrics))
        arm_auto_defer(interaction, in_flight)
        after_interaction(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction[LaunchBot], error: app_commands.AppCommandError
    ) -> None:
        await handle_command_error(interaction, error)


def _log_interaction(
    interaction: discord.Interaction[Any], started: float, metrics: Metrics
) -> None:
    seconds = time.perf_counter() - started
    latency_ms = round(seconds * 1000, 1)
    command = interaction.command.qualified_name if interaction.command else "?"
    metrics.interaction(command, seconds)
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
        metrics: Metrics | None = None,
        **client_options: Any,
    ) -> None:
        """``metrics``: the app's (``BotApp``); it counts 429s through the one ``http_trace``
        discord.py takes, which also holds each request under Discord's global limit."""
        # launchbot has no voice features, so discord.py's warnings about voice libraries are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        metrics = metrics or Metrics()
        shards = settings.shards
        requests_per_second = share_of_budget(
            settings.requests_per_second, 1.0 if shards is None else shards.share
        )
        trace = metrics.trace_config()
        self.wire_limit = WireLimit(requests_per_second)
        self.wire_limit.attach(trace)
        super().__init__(
            **client_options,
            http_trace=trace,
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
        self.metrics = metrics
        self.in_flight = InFlight()
        self.became_ready = asyncio.Event()
        self.synced = False
        self.requests_per_second = requests_per_second
        pacer = Pacer(lambda: discord_global_wait(self), self.requests_per_second)  # posts, edits
        self.poll_messages = PollMessages(
            self, runtime.polls, pacer, self.in_flight, interval=settings.polls_tally_seconds
        )
        self.native_polls = NativePolls(self, runtime.polls, runtime.native_votes, pacer, clock)
        self.poll_messages.native = self.native_polls
        self.dispatcher = Dispatcher(
            self, runtime.deliveries, scheduler, clock, self.in_flight,
            sweep_seconds=settings.posts_sweep_seconds,
            lease=timedelta(seconds=settings.posts_lease_seconds),
            pacer=pacer, polls=(runtime.polls, self.poll_messages), metrics=self.metrics,
        )  # fmt: skip
        self.announcer = Announcer(
            runtime, clock, self.dispatcher.wake_at, self.poll_messages.changed
        )
        self.plan_checks = PlanChecks(
            runtime.deliveries.digests,
            runtime.deliveries,
            scheduler,
            self.in_flight,
            self.dispatcher.wake_at,
        )

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
            await self.runtime.subscriptions.load_notices()
            self.dispatcher.start()
            self.plan_checks.start()
            self.scheduler.start()

    async def on_ready(self) -> None:
        user = self.user
        log.info("ready as %s (%s) in %d servers", user, user.id if user else "?", len(self.guilds))
        self.became_ready.set()

    async def on_interaction(self, interaction: discord.Interaction[LaunchBot]) -> None:
        if is_unknown_click(self, interaction):
            self.in_flight.adopt_current("unknown click")
            await answer_unknown_click(interaction)

    async def drain(self, grace_seconds: float = SHUTDOWN_GRACE_SECONDS) -> bool:
        """Stops taking new work and waits (bounded) for all work in flight. True if all ended."""
        return await self.in_flight.drain(grace_seconds)

    async def close(self) -> None:
        self.in_flight.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()


class ShardedLaunchBot(LaunchBot, commands.AutoShardedBot):
    """The bot running some of its shards in this process, one gateway connection each
    (discord.py's ``AutoShardedBot`` with ``shard_ids`` and ``shard_count``)."""


def build_bot(
    *,
    settings: Settings,
    runtime: Runtime,
    scheduler: AsyncIOScheduler,
    clock: Clock,
    force_sync: bool = False,
    **client_options: Any,
) -> LaunchBot:
    """A sharded bot when the settings name a shard count, else one connection, as always."""
    shards = settings.shards
    if shards is None:
        return LaunchBot(
            settings=settings, runtime=runtime, scheduler=scheduler, clock=clock,
            force_sync=force_sync, **client_options,
        )  # fmt: skip
    return ShardedLaunchBot(
        settings=settings, runtime=runtime, scheduler=scheduler, clock=clock,
        force_sync=force_sync, shard_ids=shards.ids, shard_count=shards.count, **client_options,
    )  # fmt: skip
