"""A SQLite read made on the event loop's own thread, for a statement that takes microseconds and
is asked every few seconds (``bot.db.one_trip``). aiosqlite runs every statement on a thread of
its own connection: two thread wake-ups per trip, which on a loaded machine wait for a core (a
p99 of several milliseconds for a 0.005 ms read).

The read never waits: its connection has no busy timeout, so when SQLite is busy (a recovery, a
connection holding the file in exclusive mode) it answers None and the caller reads through the
driver's thread, which waits as every other read does. Each read is a statement of its own
outside any transaction (it sees every commit) and is finished before it returns (it holds no
snapshot that would keep the WAL from being checkpointed). The file is checked first, as before
every transaction (``bot.db.sqlite_file``), and opened read-only in intent (``query_only``),
never created.

The same connection serves whole reads of a few bounded statements through SQLAlchemy
(``connection``, used by ``bot.db.loop_session``): one read at a time, on whichever thread asks
first; another asking meanwhile is told to use the driver's thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.request import pathname2url
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, StaticPool, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.sqlite_file import SqliteFile

_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_READERS: WeakKeyDictionary[Engine, LoopReader] = WeakKeyDictionary()


class LoopReader:
    def __init__(self, file: SqliteFile) -> None:
        self._file = file
        self._db: sqlite3.Connection | None = None
        self._turn = threading.Lock()
        self.engine = create_engine(
            "sqlite://", creator=self._open, poolclass=StaticPool, pool_reset_on_return=None
        )
        """SQLAlchemy over the same connection (its events count the statements it runs)."""

    def row(self, sql: str, parameters: Sequence[Any]) -> tuple[Any, ...] | None:
        """The statement's one row, or None when it could not be read without waiting."""
        # not before the engine has opened the file (it checks what it opens), nor while another
        # read has the connection
        if self._file.identity is None or not self._turn.acquire(blocking=False):
            return None
        try:
            self._file.verify()
            cursor = self._open().execute(sql, parameters)
            try:
                (found,) = cursor.fetchall()
            finally:
                cursor.close()
        except sqlite3.OperationalError as error:
            if is_busy(error):
                return None
            raise
        finally:
            self._turn.release()
        return tuple(found)

    @contextmanager
    def connection(self) -> Iterator[Connection | None]:
        """The connection, for statements each read on its own, or None when it is not free or
        the engine has not opened the file yet."""
        if self._file.identity is None or not self._turn.acquire(blocking=False):
            yield None
            return
        try:
            self._file.verify()
            with self.engine.connect() as connection:
                yield connection
        finally:
            self._turn.release()

    def close(self) -> None:
        self.engine.dispose()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(
                f"file:{pathname2url(str(self._file.path))}?mode=rw",
                uri=True,
                timeout=0,
                isolation_level=None,
                check_same_thread=False,  # any thread's loop may ask; never two at once
            )
            db.execute("PRAGMA query_only=ON")
            self._db = db
        return self._db


def is_busy(error: sqlite3.OperationalError) -> bool:
    """SQLite could not read without waiting (a lock held in exclusive mode, a recovery)."""
    return error.sqlite_errorcode & 0xFF in _BUSY


def attach(engine: AsyncEngine, file: SqliteFile) -> None:
    """Gives a SQLite file's engine its reader, closed when the engine is disposed."""
    reader = LoopReader(file)
    _READERS[engine.sync_engine] = reader
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: reader.close())


def loop_reader(engine: AsyncEngine) -> LoopReader | None:
    return _READERS.get(engine.sync_engine)
