"""A discord.py client that records the poll events it gets, and small helpers for poll tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord

from tests.emulator.notifier import Notifier

from .conftest import FastClient

Seen = tuple[Any, ...]
WAIT = 15.0


class PollClient(FastClient):
    """Records (event name, args) for the poll votes, messages and edits discord.py dispatches."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        super().__init__(intents=intents or discord.Intents.default(), guild_ready_timeout=0.05)
        self.seen: list[tuple[str, Seen]] = []
        self._notifier = Notifier()

    def _record(self, name: str, *args: Any) -> None:
        self.seen.append((name, args))
        self._notifier.notify()

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        self._record("raw_poll_vote_add", payload)

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        self._record("raw_poll_vote_remove", payload)

    async def on_poll_vote_add(
        self, user: discord.User | discord.Member, answer: discord.PollAnswer
    ) -> None:
        self._record("poll_vote_add", user, answer)

    async def on_poll_vote_remove(
        self, user: discord.User | discord.Member, answer: discord.PollAnswer
    ) -> None:
        self._record("poll_vote_remove", user, answer)

    async def on_message(self, message: discord.Message) -> None:
        self._record("message", message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        self._record("raw_message_edit", payload)

    def events(self, name: str) -> list[Seen]:
        return [args for seen_name, args in self.seen if seen_name == name]

    async def wait_seen(
        self,
        name: str,
        count: int = 1,
        predicate: Callable[..., bool] | None = None,
        timeout: float = WAIT,
    ) -> list[Seen]:
        """The first ``count`` events ``name`` (matching ``predicate(*args)``), once seen."""

        def check() -> list[Seen] | None:
            found = [a for a in self.events(name) if predicate is None or predicate(*a)]
            return found[:count] if len(found) >= count else None

        def describe() -> str:
            return f"{count} x {name} not seen within {timeout}s; seen: {[n for n, _ in self.seen]}"

        return await self._notifier.wait_for(check, timeout, describe)


def make_poll(
    question: str = "Will Leica co-engineer the cameras?",
    answers: tuple[str, ...] = ("Yes", "No"),
    *,
    hours: int = 24,
    multiple: bool = False,
) -> discord.Poll:
    poll = discord.Poll(question, duration=timedelta(hours=hours), multiple=multiple)
    for text in answers:
        poll.add_answer(text=text)
    return poll


def poll_spec(question: str = "Which brand?", *answers: str, **extra: Any) -> dict[str, Any]:
    """A poll create request as JSON (what discord.py would send, or something it would not)."""
    return {
        "question": {"text": question},
        "answers": [{"poll_media": {"text": text}} for text in answers or ("Yes", "No")],
        **extra,
    }


def cached(client: discord.Client, message_id: int) -> discord.Message:
    """The message as discord.py's cache holds it (the one gateway events update)."""
    found = discord.utils.get(client.cached_messages, id=message_id)
    assert found is not None, f"message {message_id} is not in the client's cache"
    return found


def counts(message: discord.Message) -> list[int]:
    assert message.poll is not None
    return [answer.vote_count for answer in message.poll.answers]
