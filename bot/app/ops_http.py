"""The operator's HTTP endpoint (``http.listen``, off by default), on aiohttp:

- ``GET /healthz``: 200 when every check passes, else 503; a JSON body names each check, whether
  it passed and why not (see ``bot.app.health``);
- ``GET /metrics``: the Prometheus text format (see ``bot.app.metrics``).

It answers while the bot drains on SIGTERM (``/healthz`` then says ``stopping``) and is closed
after the gateway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.app.health import Health
from bot.app.metrics import Metrics

log = logging.getLogger("launchbot.http")

PENDING_TIMEOUT = 5.0
"""Seconds the count of pending posts may take before /metrics answers without it."""

PendingCounts = Callable[[], Awaitable[tuple[int, int]]]


class OpsEndpoint:
    def __init__(self, health: Health, metrics: Metrics, pending: PendingCounts) -> None:
        self._health = health
        self._metrics = metrics
        self._pending = pending
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listens on ``host:port`` (port 0: any free one) and returns the port it got; raises
        ``OSError`` when it cannot (the address is taken, the host is not this machine's)."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._serve_metrics)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        return host, int(runner.addresses[0][1])

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        report = await self._health.report()
        if not report.healthy:
            log.debug("healthz: %s", report.body())
        return web.json_response(report.body(), status=200 if report.healthy else 503)

    async def _serve_metrics(self, _request: web.Request) -> web.Response:
        report = await self._health.report()
        self._metrics.set_checks({name: check.ok for name, check in report.checks.items()})
        pending: tuple[int, int] | tuple[None, None] = (None, None)
        if report.checks["database"].ok:
            try:
                async with asyncio.timeout(PENDING_TIMEOUT):
                    pending = await self._pending()
            except Exception as exc:  # the rest of the metrics are still worth having
                log.warning("metrics: could not count the pending posts: %s", exc)
        self._metrics.set_pending(*pending)
        return web.Response(
            body=self._metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
