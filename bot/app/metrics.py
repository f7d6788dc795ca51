"""The bot's Prometheus metrics, in a registry of the app's own (nothing is made at import time).

Counters count what this process did since it started (Prometheus sums them over processes and
copes with restarts); gauges that need the database (posts pending) are read when /metrics is
asked for, and gauges of the gateway are read from the client as the registry is collected.
docs/operations.md says what each one means.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from types import SimpleNamespace

import aiohttp
import discord
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from bot.app.gateway_state import shard_states
from bot.domain.vocabulary import PostState

FINISHED = (PostState.SENT, PostState.FAILED, PostState.SKIPPED, PostState.CANCELLED)
RATE_LIMIT_SCOPES = ("global", "user", "shared", "unknown")
LATENESS_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 6 * 3600)
INTERACTION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10)
CHECKS = ("gateway", "database", "dispatcher")


class Metrics:
    def __init__(self) -> None:
        # No ``*_created`` series beside each counter and histogram: in the text format each
        # would be a time series of its own, saying only when the process started.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = registry = CollectorRegistry()
        self._posts = Counter(
            "launchbot_posts",
            "Scheduled posts this process finished, by what became of them",
            ["state"], registry=registry,
        )  # fmt: skip
        for state in FINISHED:
            self._posts.labels(state.value)
        self._retries = Counter(
            "launchbot_post_retries",
            "Sends of scheduled posts that failed for now (429, 5xx, network) and wait to be tried "
            "again", registry=registry,
        )  # fmt: skip
        self._pending = Gauge(
            "launchbot_posts_pending",
            "Scheduled posts waiting to be sent, in every server", registry=registry,
        )  # fmt: skip
        self._overdue = Gauge(
            "launchbot_posts_overdue",
            "Scheduled posts waiting to be sent whose time has come, in every server",
            registry=registry,
        )
        self._lateness = Histogram(
            "launchbot_post_lateness_seconds",
            "How long after its due time a scheduled post was sent",
            buckets=LATENESS_BUCKETS, registry=registry,
        )  # fmt: skip
        self._interactions = Histogram(
            "launchbot_interaction_seconds",
            "Time from a slash command reaching the bot to its handler's end, by command",
            ["command"], buckets=INTERACTION_BUCKETS, registry=registry,
        )  # fmt: skip
        self._rate_limited = Counter(
            "launchbot_discord_429",
            "Responses with status 429 from Discord's REST API, by the limit's scope",
            ["scope"], registry=registry,
        )  # fmt: skip
        for scope in RATE_LIMIT_SCOPES:
            self._rate_limited.labels(scope)
        self._votes = Counter(
            "launchbot_votes",
            "Poll votes recorded: each click on an answer (or pick of how sure) the database took",
            registry=registry,
        )
        self._checks = Gauge(
            "launchbot_health_check",
            "1 when the check passes, 0 when it fails (as /healthz reports them)",
            ["check"], registry=registry,
        )  # fmt: skip
        ProcessCollector(registry=registry)

    def watch_gateway(self, client: discord.Client) -> None:
        """Reports the client's shards' connection and latency whenever metrics are collected."""
        self.registry.register(_GatewayCollector(client))

    # fed by the bot ---------------------------------------------------------------------------

    def post_finished(self, state: PostState, late_by: timedelta | None = None) -> None:
        self._posts.labels(state.value).inc()
        if late_by is not None:
            self._lateness.observe(max(late_by.total_seconds(), 0.0))

    def post_retried(self) -> None:
        self._retries.inc()

    def interaction(self, command: str, seconds: float) -> None:
        self._interactions.labels(command).observe(seconds)

    def vote_recorded(self) -> None:
        self._votes.inc()

    def rate_limited(self, scope: str) -> None:
        self._rate_limited.labels(scope if scope in RATE_LIMIT_SCOPES else "unknown").inc()

    def trace_config(self) -> aiohttp.TraceConfig:
        """For discord.py's ``http_trace``: counts the 429 responses of its REST session (the
        bot adds its wire limit, ``bot.app.wire_limit``, to the same trace)."""
        trace = aiohttp.TraceConfig()

        async def on_end(
            _session: aiohttp.ClientSession,
            _context: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            if params.response.status == 429:
                self.rate_limited(rate_limit_scope(params.response.headers))

        trace.on_request_end.append(on_end)
        return trace

    # read when /metrics is asked for -----------------------------------------------------------

    def set_pending(self, pending: int | None, overdue: int | None) -> None:
        """None when the database could not say: NaN then, rather than a stale figure."""
        for gauge, value in ((self._pending, pending), (self._overdue, overdue)):
            if value is None:
                gauge.set(float("nan"))
            else:
                gauge.set(value)

    def set_checks(self, passing: dict[str, bool]) -> None:
        for check in CHECKS:
            self._checks.labels(check).set(1 if passing.get(check, False) else 0)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def rate_limit_scope(headers: Mapping[str, str]) -> str:
    """``global`` when Discord says so (``X-RateLimit-Global``, or the scope), else the scope
    header (``user``, ``shared``), else ``unknown`` (a 429 without them: Cloudflare's).
    ``headers`` as aiohttp gives them, whose names match in any case."""
    scope = headers.get("X-RateLimit-Scope", "").strip().lower()
    if headers.get("X-RateLimit-Global", "").strip().lower() == "true" or scope == "global":
        return "global"
    return scope if scope in RATE_LIMIT_SCOPES else "unknown"


class _GatewayCollector(Collector):
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def collect(self) -> Iterator[Metric]:
        connected = GaugeMetricFamily(
            "launchbot_gateway_connected",
            "1 while the shard's gateway connection is open",
            labels=["shard"],
        )
        latency = GaugeMetricFamily(
            "launchbot_gateway_latency_seconds",
            "Time from the shard's last heartbeat to Discord's acknowledgement",
            labels=["shard"],
        )
        for shard in shard_states(self._client):
            connected.add_metric([str(shard.shard_id)], 1 if shard.connected else 0)
            if shard.latency is not None:
                latency.add_metric([str(shard.shard_id)], shard.latency)
        yield connected
        yield latency
