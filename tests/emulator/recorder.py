"""Every REST request the emulator receives, with helpers to find and await them."""

from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .notifier import Notifier

RoutePattern = str | re.Pattern[str] | None


@dataclass(eq=False)
class RecordedRequest:
    method: str
    route: str
    """The route template, e.g. ``/channels/{channel_id}/messages`` (``?`` if unknown)."""
    path: str
    """The concrete path below the API base, e.g. ``/channels/123/messages``."""
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    time: float = field(default_factory=time.monotonic)
    status: int | None = None
    response: Any = None
    index: int = 0
    port: int | None = None
    """The emulator's port it came in on (``Emulator.another_address``)."""

    @property
    def done(self) -> bool:
        return self.status is not None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


def route_matches(pattern: RoutePattern, route: str, path: str) -> bool:
    """``pattern`` is a route template, a glob over the template or the path, or a regex."""
    if pattern is None:
        return True
    if isinstance(pattern, re.Pattern):
        return bool(pattern.search(path) or pattern.search(route))
    if pattern in (route, path):
        return True
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(route, pattern)


def method_matches(wanted: str | None, method: str) -> bool:
    return wanted in (None, "*") or wanted.upper() == method


class RequestLog:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.notifier = Notifier()

    def add(self, request: RecordedRequest) -> RecordedRequest:
        request.index = len(self.requests)
        self.requests.append(request)
        return request

    def finish(self, request: RecordedRequest, status: int, response: Any) -> None:
        request.status = status
        request.response = response
        self.notifier.notify()

    def cursor(self) -> int:
        """Pass as ``since=`` to only consider requests made after this point."""
        return len(self.requests)

    def matching(
        self,
        method: str | None = None,
        route: RoutePattern = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        since: int = 0,
        status: int | None = None,
    ) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests[since:]
            if r.done
            and method_matches(method, r.method)
            and route_matches(route, r.route, r.path)
            and (status is None or r.status == status)
            and (predicate is None or predicate(r))
        ]

    async def wait_for(
        self,
        method: str | None = None,
        route: RoutePattern = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        timeout: float = 15.0,
        since: int = 0,
        count: int = 1,
        status: int | None = None,
    ) -> RecordedRequest:
        """The ``count``-th completed request matching (already made or still to come)."""

        def check() -> RecordedRequest | None:
            found = self.matching(method, route, predicate, since=since, status=status)
            return found[count - 1] if len(found) >= count else None

        def describe() -> str:
            seen = "\n  ".join(repr(r) for r in self.requests[since:][-20:])
            return f"no {count} x {method} {route} within {timeout}s; last requests:\n  {seen}"

        return await self.notifier.wait_for(check, timeout, describe)
