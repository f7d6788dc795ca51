"""Everything the bot is doing that a shutdown must let finish: interactions (commands,
autocomplete, buttons) and scheduled jobs.

Work registers in one of two ways: an interaction's own task is adopted from the first public
hook it passes through, and ends when the task ends (its error handling included); a job holds
the tracker with ``async with in_flight.hold("job name")`` or is wrapped by ``in_flight.job``.
``drain`` refuses new work and waits, up to a grace period, until nothing is held.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import ParamSpec

log = logging.getLogger("launchbot.in_flight")

P = ParamSpec("P")


class InFlight:
    def __init__(self) -> None:
        self._running: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[object]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.stopping = asyncio.Event()

    @property
    def closing(self) -> bool:
        return self.stopping.is_set()

    def __len__(self) -> int:
        return self._running.total()

    def running(self) -> dict[str, int]:
        """What is in flight, by label (for the log line when the grace period runs out)."""
        return {label: n for label, n in self._running.items() if n}

    def _start(self, label: str) -> None:
        self._running[label] += 1
        self._idle.clear()

    def _finish(self, label: str) -> None:
        self._running[label] -= 1
        if not self._running.total():
            self._idle.set()

    def adopt(self, task: asyncio.Task[object], label: str) -> None:
        """Counts ``task`` as in flight until it ends; adopting the same task again is a no-op."""
        if task in self._tasks or task.done():
            return
        self._tasks.add(task)
        self._start(label)

        def ended(done: asyncio.Task[object]) -> None:
            self._tasks.discard(done)
            self._finish(label)

        task.add_done_callback(ended)

    def adopt_current(self, label: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.adopt(task, label)

    @asynccontextmanager
    async def hold(self, label: str) -> AsyncIterator[None]:
        self._start(label)
        try:
            yield
        finally:
            self._finish(label)

    def job(
        self, label: str
    ) -> Callable[[Callable[P, Awaitable[None]]], Callable[P, Awaitable[None]]]:
        """Wraps a scheduled job: it is skipped once the bot is stopping, and drained otherwise."""

        def wrap(run: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
            @functools.wraps(run)
            async def tracked(*args: P.args, **kwargs: P.kwargs) -> None:
                if self.closing:
                    log.info("skipping job %s: the bot is stopping", label)
                    return
                async with self.hold(label):
                    await run(*args, **kwargs)

            return tracked

        return wrap

    async def idle(self) -> None:
        await self._idle.wait()

    async def drain(self, grace_seconds: float) -> bool:
        """Refuses new work from now on and waits (bounded) for the rest. True if all ended."""
        self.stopping.set()
        try:
            async with asyncio.timeout(grace_seconds):
                await self._idle.wait()
        except TimeoutError:
            log.warning("shutting down with work still running: %s", self.running())
            return False
        return True
