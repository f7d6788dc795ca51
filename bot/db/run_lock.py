"""One bot process per SQLite file: ``launchbot run`` holds an exclusive ``flock`` on a file beside
the database (``launchbot.db.run-lock``) for as long as it runs. The kernel drops the lock when the
process ends, however it ends (SIGKILL included), so a stale lock never blocks a restart. Other
commands (an import, ``posts list``) take no lock: they are short and SQLite serialises their
writes with the bot's.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

SUFFIX = ".run-lock"


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` is its pid as it wrote it, if readable."""

    def __init__(self, lock_path: Path, holder: str) -> None:
        super().__init__(str(lock_path))
        self.lock_path = lock_path
        self.holder = holder


class RunLock:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + SUFFIX)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Takes the lock (at once or never: raises ``LockHeld``), then writes this pid in it."""
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing drops the lock
            self._fd = None


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return ""
