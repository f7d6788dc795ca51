"""Injected interactions and what the bot answered: callbacks, original message, follow-ups."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .constants import CallbackType, InteractionType, MessageFlag
from .messages import MessageRecord
from .models import Channel, Guild, Member, User
from .notifier import Notifier


@dataclass
class CallbackRecord:
    """The bot's interaction callback (``POST /interactions/{id}/{token}/callback``)."""

    type: int
    data: dict[str, Any]
    message: MessageRecord | None = None
    """The message created (type 4/5) or updated (type 7) by the callback."""
    time: float = field(default_factory=time.monotonic)

    @property
    def content(self) -> str | None:
        return self.message.content if self.message else self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message else list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components if self.message else list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        return self.message.flags if self.message else int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def deferred(self) -> bool:
        return self.type in (
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
        )

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete result choices (type 8)."""
        return list(self.data.get("choices") or [])

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal sent (type 9)."""
        return self.data if self.type == CallbackType.MODAL else None


class InteractionHandle:
    """Returned by ``emu.invoke_*`` / ``click_button`` / ``select`` / ``submit_modal``.

    Await the bot's answer with ``wait_response`` / ``wait_original`` / ``wait_followup``."""

    def __init__(
        self,
        payload: dict[str, Any],
        *,
        guild: Guild | None,
        channel: Channel,
        user: User,
        member: Member | None,
        source_message: MessageRecord | None = None,
    ) -> None:
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type = int(payload["type"])
        self.guild = guild
        self.channel = channel
        self.user = user
        self.member = member
        self.source_message = source_message
        self.dispatched_at = time.monotonic()
        self.response: CallbackRecord | None = None
        self.original: MessageRecord | None = None
        self.followups: list[MessageRecord] = []
        self.errors: list[tuple[str, int, int]] = []
        """(route, HTTP status, Discord code) of every request the bot got wrong."""
        self.shards: list[tuple[int, int]] = []
        """``(shard_id, shard_count)`` of each gateway session it was delivered on (the
        guild's shard; shard 0 for a DM)."""
        self.notifier = Notifier()

    def __repr__(self) -> str:
        answered = self.response is not None
        return f"<InteractionHandle id={self.id} type={self.type} responded={answered}>"

    @property
    def is_component(self) -> bool:
        return self.type == InteractionType.MESSAGE_COMPONENT

    def changed(self) -> None:
        self.notifier.notify()

    async def _wait(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        return await self.notifier.wait_for(
            check,
            timeout,
            lambda: f"interaction {self.id}: no {what} within {timeout}s (errors: {self.errors})",
        )

    async def wait_response(self, timeout: float = 15.0) -> CallbackRecord:
        """The callback (type 4 message, 5 defer, 6, 7 update, 8 autocomplete, 9 modal)."""
        return await self._wait(lambda: self.response, timeout, "callback")  # type: ignore[no-any-return]

    async def wait_original(
        self,
        predicate: Callable[[MessageRecord], bool] | None = None,
        timeout: float = 15.0,
    ) -> MessageRecord:
        """The original response message once it is no longer loading (or matches predicate)."""
        check = predicate or (lambda m: not m.loading)

        def ready() -> MessageRecord | None:
            msg = self.original
            return msg if msg is not None and check(msg) else None

        return await self._wait(ready, timeout, "matching original message")  # type: ignore[no-any-return]

    async def wait_followup(self, count: int = 1, timeout: float = 15.0) -> MessageRecord:
        """The ``count``-th follow-up message (1-based)."""

        def ready() -> MessageRecord | None:
            return self.followups[count - 1] if len(self.followups) >= count else None

        return await self._wait(ready, timeout, f"follow-up #{count}")  # type: ignore[no-any-return]

    async def wait_error(self, timeout: float = 15.0) -> tuple[str, int, int]:
        """The first rejected request for this interaction: (route, status, code)."""
        return await self._wait(lambda: self.errors[0] if self.errors else None, timeout, "error")  # type: ignore[no-any-return]


class InteractionRegistry:
    def __init__(self, *, response_timeout: float, token_ttl: float) -> None:
        self.response_timeout = response_timeout
        self.token_ttl = token_ttl
        self.by_id: dict[int, InteractionHandle] = {}
        self.by_token: dict[str, InteractionHandle] = {}
        self.all: list[InteractionHandle] = []

    @staticmethod
    def new_token() -> str:
        return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(120)

    def add(self, handle: InteractionHandle) -> None:
        self.by_id[handle.id] = handle
        self.by_token[handle.token] = handle
        self.all.append(handle)

    def token_expired(self, handle: InteractionHandle) -> bool:
        return time.monotonic() - handle.dispatched_at > self.token_ttl

    def response_late(self, handle: InteractionHandle) -> bool:
        return time.monotonic() - handle.dispatched_at > self.response_timeout
