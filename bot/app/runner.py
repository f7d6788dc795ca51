"""Running the bot: the one code path behind `launchbot run`, also used by the tests.

Start-up checks the schema, points discord.py at the configured endpoints and logs in. SIGTERM or
SIGINT stop it gracefully: no new work, in-flight commands get up to 10 s, then the gateway is
closed and the engine disposed. With ``http.listen`` set, /healthz and /metrics are served from
after the database check until the end of the drain (``bot.app.ops_http``).
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import signal
from datetime import UTC
from typing import Any

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app.endpoints import apply_endpoints
from bot.app.gateway_wait import wait_for_gateway
from bot.app.health import Health
from bot.app.launch_bot import SHUTDOWN_GRACE_SECONDS, build_bot
from bot.app.metrics import Metrics
from bot.app.ops_http import OpsEndpoint
from bot.config import Settings
from bot.domain.clock import Clock, utc_now
from bot.runtime import OneProcessOnly, Runtime

log = logging.getLogger("launchbot.app")


class StartupError(Exception):
    """A reason the bot cannot start that the operator can fix; the message says how."""


class BotApp:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        force_sync: bool = False,
        **client_options: Any,
    ) -> None:
        """``client_options`` go to discord.py's Client (tests shorten ``guild_ready_timeout``)."""
        if settings.token is None:
            raise StartupError("DISCORD_TOKEN is not set")
        self.settings = settings
        self.clock = clock
        self.runtime = Runtime.create(settings, clock)
        self.metrics = Metrics()
        self.bot = build_bot(
            settings=settings,
            runtime=self.runtime,
            scheduler=AsyncIOScheduler(timezone=UTC),
            clock=clock,
            force_sync=force_sync,
            metrics=self.metrics,
            **client_options,
        )
        self.metrics.watch_gateway(self.bot)
        self.stop_requested = asyncio.Event()
        self.endpoint: OpsEndpoint | None = None
        self.http_address: tuple[str, int] | None = None
        """Where /healthz and /metrics are served, once they are."""
        self._freezer: asyncio.Task[None] | None = None

    def freeze_heap_once_ready(self) -> None:
        """For a process that runs this one bot (``launchbot run``): once it is connected, what
        it built to get there (every server's state, the views, the compiled SQL) is moved out
        of the cyclic collector's sight with ``gc.freeze()``, so the full collections that come
        with bursts of work no longer walk it all (1,000 votes in a second: p99 229 ms without,
        74 ms with, docs/benchmarks.md). Tests, which run many bots in one process, leave it."""

        async def freeze() -> None:
            await self.bot.became_ready.wait()
            gc.freeze()
            log.info("heap frozen once ready: %d objects", gc.get_freeze_count())

        self._freezer = asyncio.create_task(freeze(), name="launchbot-gc-freeze")

    async def run(self) -> None:
        """Runs until stopped (signal or ``request_stop``) or until the connection fails."""
        apply_endpoints(self.settings.api_base, self.settings.gateway_url)
        try:
            await self._check_database()
            self._run_alone_on_sqlite()
            self._log_shards()
            await self._serve_http()
            token = self.settings.token.reveal() if self.settings.token else ""
            async with self.bot:
                runner = asyncio.create_task(self._connect(token), name="launchbot-gateway")
                stopper = asyncio.create_task(self.stop_requested.wait(), name="launchbot-stop")
                done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if runner in done and not self.stop_requested.is_set():
                    runner.result()
                    return
                # A stop that came while the gateway was being waited for ends that wait at
                # once; the work started meanwhile (the scheduler's first looks) still drains.
                log.info(
                    "stopping: finishing work in flight (up to %.0f s)", SHUTDOWN_GRACE_SECONDS
                )
                await self.bot.drain()
                await self.bot.close()
                await asyncio.wait({runner}, timeout=5)
                if runner.done() and not runner.cancelled() and runner.exception():
                    log.debug("gateway task ended with %r while stopping", runner.exception())
        except discord.LoginFailure:
            raise StartupError("Discord refused the token in DISCORD_TOKEN (401)") from None
        except discord.PrivilegedIntentsRequired:
            raise StartupError("Discord refused an intent the bot asked for (4014)") from None
        finally:
            await self._stop_http()
            await self.runtime.close()
            log.info("stopped")

    async def _connect(self, token: str) -> None:
        """Logs in, waits for the gateway to answer (see ``gateway_wait``), and connects."""
        await self.bot.login(token)
        while await wait_for_gateway(self.bot, self.stop_requested):
            try:
                await self.bot.connect()
                return
            except AttributeError:
                # discord.py's retry after a failed first connection (the gateway went away
                # again since it answered): wait for it as before.
                if self.bot.ws is not None or self.bot.is_closed():
                    raise
                log.warning("the Discord gateway refused the first connection; waiting for it")

    async def _serve_http(self) -> None:
        if self.settings.http_listen is None:
            return
        host, port = self.settings.http_listen
        deliveries = self.runtime.deliveries
        endpoint = OpsEndpoint(
            Health(self.bot, self.stop_requested.is_set),
            self.metrics,
            pending=deliveries.pending_in_all_servers,
            overdue=deliveries.overdue_in_all_servers,
        )
        try:
            self.http_address = await endpoint.start(host, port)
        except OSError as exc:
            shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            raise StartupError(
                f"cannot serve /healthz and /metrics on {shown} (http.listen, "
                f"LAUNCHBOT_HTTP_LISTEN): {_bind_problem(exc)}"
            ) from None
        self.endpoint = endpoint
        log.info("serving /healthz and /metrics on http://%s:%d", *self.http_address)

    async def _stop_http(self) -> None:
        if self.endpoint is not None:
            await self.endpoint.stop()
            self.endpoint = None

    async def _check_database(self) -> None:
        await self.runtime.require_current_schema()

    def _run_alone_on_sqlite(self) -> None:
        try:
            self.runtime.hold_the_database_alone()
        except OneProcessOnly as exc:
            raise StartupError(str(exc)) from None

    def _log_shards(self) -> None:
        shards = self.settings.shards
        if shards is not None:
            log.info(
                "running %s: the servers of these shards are this process's; its posts go at "
                "up to %.4g requests/s",
                shards,
                self.bot.requests_per_second,
            )

    def request_stop(self) -> None:
        self.stop_requested.set()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop)

    async def sync_only(self) -> bool:
        """Logs in over REST only, syncs the commands (forced), and logs out."""
        apply_endpoints(self.settings.api_base, self.settings.gateway_url)
        self.bot.sync_only = True
        try:
            await self._check_database()
            token = self.settings.token.reveal() if self.settings.token else ""
            async with self.bot:
                await self.bot.login(token)
                return self.bot.synced
        except discord.LoginFailure:
            raise StartupError("Discord refused the token in DISCORD_TOKEN (401)") from None
        finally:
            await self.runtime.close()


def _bind_problem(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "the address is already in use (another process listens there)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return "the address is not one of this machine's"
    return exc.strerror or str(exc)
