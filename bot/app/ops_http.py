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
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.app.health import Health
from bot.app.metrics import Metrics

log = logging.getLogger("launchbot.http")

COUNT_TIMEOUT = 5.0
"""Seconds a count of posts may take before /metrics answers without it."""
PENDING_MAX_AGE = 60.0
"""Seconds the count of every pending post is kept: it reads them all (0.1 to 0.3 s at a
million), where the count of overdue ones reads only those (see docs/benchmarks.md)."""

Count = Callable[[], Awaitable[int]]


class Recount:
    """A count made again only once it is ``max_age`` seconds old, however often it is asked
    for (scrapes that come together share one); a count that fails is not kept."""

    def __init__(
        self, count: Count, max_age: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._count = count
        self._max_age = max_age
        self._clock = clock
        self._lock = asyncio.Lock()
        self._kept: tuple[float, int] | None = None

    async def __call__(self) -> int:
        async with self._lock:
            if self._kept is None or self._clock() - self._kept[0] >= self._max_age:
                started = self._clock()
                self._kept = (started, await self._count())
            return self._kept[1]


class OpsEndpoint:
    def __init__(self, health: Health, metrics: Metrics, *, pending: Count, overdue: Count) -> None:
        """``pending``: every pending post (recounted once a minute); ``overdue``: those due."""
        self._health = health
        self._metrics = metrics
        self._pending = Recount(pending, PENDING_MAX_AGE)
        self._overdue = overdue
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
        database = report.checks["database"].ok
        self._metrics.set_pending(
            await self._count(self._pending, "pending") if database else None,
            await self._count(self._overdue, "overdue") if database else None,
        )
        return web.Response(
            body=self._metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    @staticmethod
    async def _count(count: Count, what: str) -> int | None:
        try:
            async with asyncio.timeout(COUNT_TIMEOUT):
                return await count()
        except Exception as exc:  # the rest of the metrics are still worth having
            log.warning("metrics: could not count the %s posts: %s", what, str(exc) or repr(exc))
            return None
