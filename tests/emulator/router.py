"""A small REST router that keeps Discord's route templates (for recording and rate limits)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .bodies import Upload
from .errors import FormErrors
from .recorder import RecordedRequest


@dataclass
class RequestContext:
    request: web.Request
    params: dict[str, str]
    body: Any
    uploads: list[Upload]
    record: RecordedRequest

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            errors = FormErrors()
            errors.add(
                (name,), "NUMBER_TYPE_COERCE", f'Value "{self.params[name]}" is not snowflake.'
            )
            errors.raise_if_any()
            raise

    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    def query_flag(self, name: str) -> bool:
        return self.request.query.get(name, "").lower() in ("1", "true")


Handler = Callable[[RequestContext], Awaitable[web.StreamResponse]]


@dataclass
class RouteDef:
    method: str
    template: str
    handler: Handler
    auth: bool = True
    """Requires ``Authorization: Bot <token>`` (webhook-token and interaction routes do not)."""
    global_limit: bool = True
    """Counts against the global rate limit (interaction endpoints do not)."""
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        pattern = re.sub(
            r"\{(\w+)\}",
            r"(?P<\1>[^/]+)",
            re.escape(self.template).replace(r"\{", "{").replace(r"\}", "}"),
        )
        self.regex = re.compile(f"^{pattern}$")


class Router:
    def __init__(self) -> None:
        self.routes: list[RouteDef] = []

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        auth: bool = True,
        global_limit: bool = True,
    ) -> None:
        self.routes.append(RouteDef(method, template, handler, auth, global_limit))

    def resolve(self, method: str, path: str) -> tuple[RouteDef | None, dict[str, str], bool]:
        """(route, params, path_known) — path_known is True when only the method was wrong."""
        path_known = False
        for route in self.routes:
            match = route.regex.match(path)
            if match is None:
                continue
            if route.method == method:
                return route, match.groupdict(), True
            path_known = True
        return None, {}, path_known
