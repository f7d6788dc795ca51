"""Fault injection on REST routes: failures, 429 storms and slow responses."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import json_response
from .recorder import RecordedRequest, RoutePattern, method_matches, route_matches


@dataclass(eq=False)
class FaultRule:
    method: str | None
    route: RoutePattern
    kind: str  # "status" | "ratelimit" | "delay"
    remaining: int | None = None
    """How many more requests it applies to (None: unlimited until ``until``)."""
    until: float | None = None
    """monotonic() deadline (None: no deadline)."""
    status: int = 500
    body: Any = None
    delay: float = 0.0
    retry_after: float | None = None
    is_global: bool = False
    scope: str = "user"
    via: bool = True
    predicate: Callable[[RecordedRequest], bool] | None = None
    """Only requests it accepts (their body is in ``.json``) are failed."""
    hits: int = 0

    def active(self, now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        return self.remaining is None or self.remaining > 0

    def applies(
        self, method: str, route: str, path: str, now: float, request: RecordedRequest | None
    ) -> bool:
        return (
            self.active(now)
            and method_matches(self.method, method)
            and route_matches(self.route, route, path)
            and (self.predicate is None or (request is not None and self.predicate(request)))
        )

    def consume(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1

    def response(self, now: float) -> web.Response:
        if self.kind == "ratelimit" and not self.via:
            # A Cloudflare ban: HTML, no Via header; discord.py raises instead of retrying.
            return web.Response(
                text="<html>error 1015</html>", status=429, content_type="text/html"
            )
        if self.kind == "ratelimit":
            left = (self.until - now) if self.until is not None else 1.0
            retry = self.retry_after if self.retry_after is not None else left
            retry = math.ceil(max(retry, 0.001) * 1000) / 1000
            headers = {"Retry-After": str(math.ceil(retry)), "X-RateLimit-Scope": self.scope}
            if self.is_global:
                headers.update({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"})
            body = {
                "message": "You are being rate limited.",
                "retry_after": retry,
                "global": self.is_global,
                "code": 0,
            }
            return json_response(body, 429, headers)
        if isinstance(self.body, str):
            return web.Response(text=self.body, status=self.status, content_type="text/html")
        body = (
            self.body
            if self.body is not None
            else {"message": f"{self.status}: Server Error", "code": 0}
        )
        return json_response(body, self.status)


class FaultInjector:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def fail_next(
        self,
        method: str | None,
        route: RoutePattern,
        count: int | None = 1,
        *,
        status: int = 500,
        body: Any = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
    ) -> FaultRule:
        """The next ``count`` matching requests get ``status`` (JSON ``body``, or text if a str);
        with a ``predicate``, only the requests it accepts (a channel that refuses some messages
        and takes others). ``count=None``: every one, until the rule is removed.

        discord.py retries 500/502/504/524 (sleeping 1 s, 3 s, ...); 503 raises at once.
        """
        return self._add(
            FaultRule(
                method,
                route,
                "status",
                remaining=count,
                status=status,
                body=body,
                predicate=predicate,
            )
        )

    def rate_limit_storm(
        self,
        method: str | None,
        route: RoutePattern,
        seconds: float,
        *,
        retry_after: float | None = None,
        is_global: bool = False,
        scope: str = "user",
        via: bool = True,
    ) -> FaultRule:
        """Every matching request gets a 429 for ``seconds``; ``retry_after`` defaults to the
        storm's remaining time (so a well-behaved client waits once and then succeeds).
        ``via=False`` answers like a Cloudflare ban (HTML, no ``Via: 1.1 google``)."""
        return self._add(
            FaultRule(
                method,
                route,
                "ratelimit",
                until=time.monotonic() + seconds,
                retry_after=retry_after,
                is_global=is_global,
                scope=scope,
                via=via,
            )
        )

    def slow(
        self,
        method: str | None,
        route: RoutePattern,
        delay: float,
        *,
        count: int | None = None,
        seconds: float | None = None,
    ) -> FaultRule:
        """Delay matching responses by ``delay`` seconds (for ``count`` requests / ``seconds``)."""
        until = None if seconds is None else time.monotonic() + seconds
        return self._add(
            FaultRule(method, route, "delay", remaining=count, until=until, delay=delay)
        )

    def _add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        if rule in self.rules:
            self.rules.remove(rule)

    def clear(self) -> None:
        self.rules.clear()

    def delay_for(self, method: str, route: str, path: str) -> float:
        now = time.monotonic()
        total = 0.0
        for rule in self.rules:
            if rule.kind == "delay" and rule.applies(method, route, path, now, None):
                rule.consume()
                total += rule.delay
        return total

    def failure_for(
        self, method: str, route: str, path: str, request: RecordedRequest | None = None
    ) -> web.Response | None:
        now = time.monotonic()
        for rule in self.rules:
            if rule.kind != "delay" and rule.applies(method, route, path, now, request):
                rule.consume()
                return rule.response(now)
        return None
