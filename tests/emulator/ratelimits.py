"""Discord's REST rate limits: a global limit per bot token plus per-route buckets.

Buckets are fixed windows keyed by (bucket hash, major parameters) — major parameters being
``channel_id``, ``guild_id`` and ``webhook_id``+``webhook_token`` (interaction id+token for
callbacks). Every response carries the real headers; a 429 carries ``retry_after`` in the body.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

MAJOR_PARAMS = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
MESSAGE_CREATE = ("POST", "/channels/{channel_id}/messages")


@dataclass
class BucketRule:
    limit: int
    per: float
    name: str

    @property
    def hash(self) -> str:
        return hashlib.sha1(self.name.encode()).hexdigest()[:32]


@dataclass
class Window:
    start: float
    count: int = 0


@dataclass
class Limited:
    """A request that must be answered with 429."""

    retry_after: float
    headers: dict[str, str]
    is_global: bool
    scope: str

    def body(self) -> dict[str, Any]:
        return {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.is_global,
            "code": 0,
        }


def _ceil_ms(seconds: float) -> float:
    return math.ceil(max(seconds, 0.001) * 1000) / 1000


class RateLimiter:
    def __init__(
        self,
        *,
        global_limit: tuple[int, float] = (50, 1.0),
        message_limit: tuple[int, float] = (5, 5.0),
        default_limit: tuple[int, float] = (50, 1.0),
    ) -> None:
        self.global_limit = global_limit
        self.default_limit = default_limit
        self.rules: dict[tuple[str, str], BucketRule] = {}
        self._windows: dict[tuple[str, str], Window] = {}
        self._global_windows: dict[str, Window] = {}
        self.enabled = True
        self.set_limit(*MESSAGE_CREATE, *message_limit)

    def set_limit(self, method: str, route: str, limit: int, per: float) -> None:
        """Give ``method route`` its own bucket of ``limit`` requests per ``per`` seconds."""
        self.rules[(method.upper(), route)] = BucketRule(limit, per, f"{method.upper()} {route}")

    def rule_for(self, method: str, route: str) -> BucketRule:
        rule = self.rules.get((method, route))
        if rule is None:
            limit, per = self.default_limit
            rule = BucketRule(limit, per, f"{method} {route}")
        return rule

    @staticmethod
    def major(params: dict[str, str]) -> str:
        return "+".join(params[k] for k in MAJOR_PARAMS if k in params)

    def _window(self, key: tuple[str, str], per: float, now: float) -> Window:
        window = self._windows.get(key)
        if window is None or now >= window.start + per:
            window = self._windows[key] = Window(now)
        return window

    def check_global(self, token: str) -> Limited | None:
        if not self.enabled:
            return None
        limit, per = self.global_limit
        now = time.monotonic()
        window = self._global_windows.get(token)
        if window is None or now >= window.start + per:
            window = self._global_windows[token] = Window(now)
        if window.count >= limit:
            retry = _ceil_ms(window.start + per - now)
            headers = {
                "Retry-After": str(math.ceil(retry)),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
            }
            return Limited(retry, headers, True, "global")
        window.count += 1
        return None

    def acquire(
        self, method: str, route: str, params: dict[str, str]
    ) -> tuple[dict[str, str], Limited | None]:
        """Counts the request in its bucket; returns the headers and, if over, the 429."""
        rule = self.rule_for(method, route)
        now = time.monotonic()
        window = self._window((rule.hash, self.major(params)), rule.per, now)
        reset_after = _ceil_ms(window.start + rule.per - now)
        over = self.enabled and window.count >= rule.limit
        if not over:
            window.count += 1
        headers = {
            "X-RateLimit-Limit": str(rule.limit),
            "X-RateLimit-Remaining": str(max(rule.limit - window.count, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": rule.hash,
        }
        if not over:
            return headers, None
        headers.update({"Retry-After": str(math.ceil(reset_after)), "X-RateLimit-Scope": "user"})
        return headers, Limited(reset_after, headers, False, "user")

    def exhaust(self, method: str, route: str, **params: int | str) -> None:
        """Use up the current window of a bucket, as if another process had just spent it.

        ``emu.rate_limits.exhaust("POST", "/channels/{channel_id}/messages", channel_id=c.id)``
        """
        rule = self.rule_for(method.upper(), route)
        str_params = {k: str(v) for k, v in params.items()}
        window = self._window((rule.hash, self.major(str_params)), rule.per, time.monotonic())
        window.count = rule.limit

    def exhaust_global(self, token: str) -> None:
        """Use up the current global window of ``token`` (50 req/s by default)."""
        limit, _ = self.global_limit
        self._global_windows[token] = Window(time.monotonic(), limit)

    def reset(self) -> None:
        self._windows.clear()
        self._global_windows.clear()
