"""Votes written together: every vote that arrives while a write is under way goes into the
next one, so a thousand clicks at once cost a few dozen transactions, not a thousand, and on
SQLite nothing queues for the write lock behind its own busy timeout.

Each vote still gets its own answer: its choices as they now stand, or the poll's refusal. A
member's second click on the same poll waits for the next write, so their clicks apply in
order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.domain.polls import Ballot

log = logging.getLogger("launchbot.votes")

MAX_BATCH = 500
"""Votes in one write (seven values each: well under SQLite's 32,766 bound parameters)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    choices: int
    confidence: int | None


@dataclass(frozen=True, slots=True)
class Refused:
    """The poll stopped taking votes (closed) before this vote was written."""


Outcome = Recorded | Refused
Writer = Callable[[Sequence[Ballot]], Awaitable[dict[tuple[int, int], Outcome]]]


class VoteQueue:
    def __init__(self, write: Writer) -> None:
        self._write = write
        self._waiting: list[tuple[Ballot, asyncio.Future[Outcome]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def cast(self, ballot: Ballot) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((ballot, future))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        while self._waiting:
            batch = self._next_batch()
            try:
                outcomes = await self._write([b for b, _ in batch])
            except BaseException as error:  # every vote in the write learns of its failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(
                            error if isinstance(error, Exception) else RuntimeError("cancelled")
                        )
                if not isinstance(error, Exception):
                    raise
                log.warning("a write of %d votes failed: %s", len(batch), error)
                continue
            for ballot, future in batch:
                if not future.done():
                    future.set_result(outcomes[(ballot.poll_id, ballot.user_id)])

    def _next_batch(self) -> list[tuple[Ballot, asyncio.Future[Outcome]]]:
        """Up to ``MAX_BATCH`` waiting votes, at most one per member and poll."""
        batch: list[tuple[Ballot, asyncio.Future[Outcome]]] = []
        later: list[tuple[Ballot, asyncio.Future[Outcome]]] = []
        seen: set[tuple[int, int]] = set()
        for entry in self._waiting:
            key = (entry[0].poll_id, entry[0].user_id)
            if key in seen or len(batch) >= MAX_BATCH or entry[1].done():
                if not entry[1].done():
                    later.append(entry)
                continue
            seen.add(key)
            batch.append(entry)
        self._waiting = later
        return batch
