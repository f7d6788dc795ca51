"""Votes written together: every vote that arrives while the writes are busy goes into the next
one, so a thousand clicks at once cost a few dozen statements, not a thousand.

At most ``writers`` writes are under way at once: one on SQLite, which writes one transaction at
a time anyway (more would only wait for the write lock in SQLite's busy handler), a few on
PostgreSQL, so that one slow statement does not hold up the votes behind it. Each vote still
gets its own answer: its choices as they now stand, or the poll's refusal. A member's second
click on the same poll waits until their first is written, so their clicks apply in order."""

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
    def __init__(self, write: Writer, writers: int = 1) -> None:
        self._write = write
        self.writers = writers
        self._waiting: list[tuple[Ballot, asyncio.Future[Outcome]]] = []
        self._running = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._being_written: set[tuple[int, int]] = set()

    async def cast(self, ballot: Ballot) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((ballot, future))
        if self._running < self.writers:
            self._running += 1  # counted here and uncounted in the writer, with no await between
            task = asyncio.create_task(self._write_all())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _write_all(self) -> None:
        try:
            while batch := self._next_batch():
                keys = {(b.poll_id, b.user_id) for b, _ in batch}
                self._being_written |= keys
                try:
                    await self._write_batch(batch)
                finally:
                    self._being_written -= keys
        finally:
            self._running -= 1

    async def _write_batch(self, batch: list[tuple[Ballot, asyncio.Future[Outcome]]]) -> None:
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
            return
        for ballot, future in batch:
            if not future.done():
                future.set_result(outcomes[(ballot.poll_id, ballot.user_id)])

    def _next_batch(self) -> list[tuple[Ballot, asyncio.Future[Outcome]]]:
        """Up to ``MAX_BATCH`` waiting votes, at most one per member and poll, and none of a
        member and poll whose vote another write holds."""
        batch: list[tuple[Ballot, asyncio.Future[Outcome]]] = []
        later: list[tuple[Ballot, asyncio.Future[Outcome]]] = []
        seen: set[tuple[int, int]] = set(self._being_written)
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
