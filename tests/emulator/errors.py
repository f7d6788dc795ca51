"""Discord-shaped JSON errors and responses.

discord.py only parses a body as JSON when Content-Type is *exactly* ``application/json``
(aiohttp's ``json_response`` would add ``; charset=utf-8``), so every response goes through
:func:`json_response`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .constants import ErrorCode


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    all_headers = {"Content-Type": "application/json", "Via": "1.1 google"}
    all_headers.update(headers or {})
    return web.Response(body=dumps(data).encode(), status=status, headers=all_headers)


def empty_response(status: int = 204) -> web.Response:
    return web.Response(status=status, headers={"Via": "1.1 google"})


class DiscordError(Exception):
    """Raised by handlers; turned into Discord's ``{"message", "code"[, "errors"]}`` body."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data

    def response(self) -> web.Response:
        return json_response(self.body(), self.status)


def not_found(code: int, what: str) -> DiscordError:
    return DiscordError(404, code, f"Unknown {what}")


def unknown_interaction() -> DiscordError:
    return DiscordError(404, ErrorCode.UNKNOWN_INTERACTION, "Unknown interaction")


def already_acknowledged() -> DiscordError:
    return DiscordError(
        400, ErrorCode.ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
    )


def missing_access() -> DiscordError:
    return DiscordError(403, ErrorCode.MISSING_ACCESS, "Missing Access")


def missing_permissions() -> DiscordError:
    return DiscordError(403, ErrorCode.MISSING_PERMISSIONS, "Missing Permissions")


def unauthorized() -> DiscordError:
    return DiscordError(401, ErrorCode.GENERAL, "401: Unauthorized")


class FormErrors:
    """Collects field errors into Discord's nested ``errors`` object.

    ``add(("embeds", 0, "title"), "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")``
    yields ``{"embeds": {"0": {"title": {"_errors": [{"code": ..., "message": ...}]}}}}``.
    """

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}
        self.flat: list[tuple[str, str, str]] = []

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
        self.flat.append((".".join(str(p) for p in path), code, message))

    def max_length(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: tuple[str | int, ...], value: Any) -> bool:
        if value is None or value == "":
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def __bool__(self) -> bool:
        return bool(self.flat)

    def error(self) -> DiscordError:
        return DiscordError(400, ErrorCode.INVALID_FORM_BODY, "Invalid Form Body", self.tree)

    def raise_if_any(self) -> None:
        if self.flat:
            raise self.error()
