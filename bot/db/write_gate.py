"""SQLite's write lock taken in turn within the process.

SQLite's busy handler is not a queue: a connection waiting for the write lock sleeps and tries
again (every 100 ms after the first quarter second), and a transaction that begins meanwhile
takes the lock first. With a dozen pooled connections writing at once (a hundred servers' posts
going out, votes, poll closings), one of them can lose every try for the whole busy timeout and
fail with "database is locked" although no transaction holds the lock for long. So the
process's own writers wait here, first come first served, and only one of them at a time asks
SQLite for the lock; the busy timeout is left to other processes (the command line).

A write a member is waiting on (a vote) goes before the queue of background writes (posts being
claimed and recorded), though never twice in a row while others wait: a vote then waits for the
write under way and the votes ahead of it, each with at most one background write after it, not
for every post's record queued ahead of it."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

PASS_AFTER = 10.0
"""Seconds a writer waits for its turn before asking SQLite anyway (then as without the gate):
a writer that waits on another writer of its own would otherwise wait forever."""
_HELD = "launchbot_write_gate"
"""Key in ``Session.info`` of the gate a session holds until its transaction ends."""


class Turns:
    """The turns of one event loop: who holds it, and who waits (those a member waits on apart)."""

    def __init__(self) -> None:
        self.holder: asyncio.Task[object] | None = None
        self.taken = False
        self.last_urgent = False
        self.urgent: deque[asyncio.Future[None]] = deque()
        self.others: deque[asyncio.Future[None]] = deque()

    async def take(self, urgent: bool) -> bool:
        """Waits for a turn; False when ``PASS_AFTER`` ran out first."""
        if not self.taken:
            self.taken, self.last_urgent = True, urgent
            return True
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self.urgent if urgent else self.others
        queue.append(turn)
        try:
            async with asyncio.timeout(PASS_AFTER):
                await asyncio.shield(turn)
        except BaseException as error:
            if turn.done():  # given as the wait ended: kept if only time ran out
                if isinstance(error, TimeoutError):
                    return True
                self.pass_on()
            else:
                turn.cancel()
                queue.remove(turn)
            if isinstance(error, TimeoutError):
                return False
            raise
        return True

    def pass_on(self) -> None:
        """Gives the turn to the next writer: one a member waits on first, unless the last turn
        went to one and others wait."""
        self.holder = None
        order = (self.others, self.urgent) if self.last_urgent else (self.urgent, self.others)
        for queue in order:
            if queue:
                self.last_urgent = queue is self.urgent
                queue.popleft().set_result(None)
                return
        self.taken = False


class WriteGate:
    """One writer of the process at a time, in the order they came (per event loop), those a
    member waits on first."""

    def __init__(self) -> None:
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Turns] = (
            weakref.WeakKeyDictionary()
        )

    async def hold_for(self, session: AsyncSession, *, urgent: bool = False) -> None:
        """Waits for the turn of ``session``, which keeps it until its transaction ends
        (committed, rolled back or closed). A task that holds it already passes through: its
        second writer then waits in SQLite's busy handler as it would without the gate."""
        turns = self._turns.setdefault(asyncio.get_running_loop(), Turns())
        task = asyncio.current_task()
        if turns.taken and turns.holder is task:
            return
        if not await turns.take(urgent):
            log.warning("a write waited %.0f s for its turn; it asks SQLite anyway", PASS_AFTER)
            return
        turns.holder = task
        session.sync_session.info[_HELD] = turns.pass_on


def release_held(session: AsyncSession) -> None:
    """Gives the turn back at once (when beginning the transaction failed)."""
    release = session.sync_session.info.pop(_HELD, None)
    if release is not None:
        release()


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        release = session.info.pop(_HELD, None)
        if release is not None:
            release()


def watch_sessions() -> None:
    """Hands the turn on as each session's transaction ends (once per process)."""
    if not event.contains(Session, "after_transaction_end", _transaction_ended):
        event.listen(Session, "after_transaction_end", _transaction_ended)
