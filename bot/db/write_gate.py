"""SQLite's write lock taken in turn within the process.

SQLite's busy handler is not a queue: a connection waiting for the write lock sleeps and tries
again (every 100 ms after the first quarter second), and a transaction that begins meanwhile
takes the lock first. With a dozen pooled connections writing at once (a hundred servers' posts
going out, votes, poll closings), one of them can lose every try for the whole busy timeout and
fail with "database is locked" although no transaction holds the lock for long. So the
process's own writers wait here, first come first served, and only one of them at a time asks
SQLite for the lock; the busy timeout is left to other processes (the command line)."""

from __future__ import annotations

import asyncio
import logging
import weakref

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

PASS_AFTER = 10.0
"""Seconds a writer waits for its turn before asking SQLite anyway (then as without the gate):
a writer that waits on another writer of its own would otherwise wait forever."""
_HELD = "launchbot_write_gate"
"""Key in ``Session.info`` of the gate a session holds until its transaction ends."""


class WriteGate:
    """One writer of the process at a time, in the order they came (per event loop)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._holders: dict[asyncio.Lock, asyncio.Task[object] | None] = {}

    async def hold_for(self, session: AsyncSession) -> None:
        """Waits for the turn of ``session``, which keeps it until its transaction ends
        (committed, rolled back or closed). A task that holds it already passes through: its
        second writer then waits in SQLite's busy handler as it would without the gate."""
        lock = self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        task = asyncio.current_task()
        if lock.locked() and self._holders.get(lock) is task:
            return
        try:
            await asyncio.wait_for(lock.acquire(), PASS_AFTER)
        except TimeoutError:
            log.warning("a write waited %.0f s for its turn; it asks SQLite anyway", PASS_AFTER)
            return
        self._holders[lock] = task
        session.sync_session.info[_HELD] = lambda: self._release(lock)

    def _release(self, lock: asyncio.Lock) -> None:
        self._holders.pop(lock, None)
        lock.release()


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
