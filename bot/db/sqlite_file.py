"""The file behind a SQLite engine: created only when asked, and never used once it is gone.

Deleting a database file (or its folder) does not stop SQLite: connections that have it open go
on reading and writing the unlinked file, and every change is lost when they close. So the file's
device and inode are remembered when the engine first opens it, and checked (one ``stat``) before
each transaction and before each new connection; a file that has vanished or been replaced is
refused with ``StorageUnavailable`` and an error in the log, and is never created again.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.request import pathname2url

from sqlalchemy.engine import make_url

from bot.domain.errors import StorageUnavailable

log = logging.getLogger("launchbot.db")
_FILE = "launchbot_sqlite_file"
"""Key of a pooled connection's ``info`` naming the file it has open."""


def sqlite_path(url: str) -> Path | None:
    """The absolute path of a SQLite database file, or None (another backend, memory, a URI)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or "uri" in parsed.query:
        return None
    if parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).absolute()


class SqliteFile:
    """Hooks for one engine (see ``bot.db.engine.create_engine``)."""

    def __init__(self, path: Path, *, create: bool) -> None:
        self.path = path
        self.create = create
        self.identity: tuple[int, int] | None = None

    def before_connect(self, _dialect: Any, _record: Any, cargs: list[Any], cparams: Any) -> None:
        """``do_connect``: without ``create``, SQLite opens the file but never makes it."""
        self.verify()
        if not self.create:
            cargs[:1] = [f"file:{pathname2url(str(self.path))}?mode=rw"]
            cparams["uri"] = True

    def connected(self, _connection: Any, record: Any) -> None:
        """``connect``: remembers the file, and tells the connection (see ``checked_file``)."""
        if self.identity is None:
            self.identity = self._identity()
        record.info[_FILE] = self

    def verify(self) -> None:
        if self.identity is None:
            return
        try:
            now = self._identity()
        except FileNotFoundError:
            problem = "has been deleted"
        else:
            if now == self.identity:
                return
            problem = "has been replaced by another file"
        log.error(
            "the database file %s %s since the bot opened it: refusing to read or write it "
            "(restore the file, e.g. from a backup, and restart the bot)",
            self.path,
            problem,
        )
        raise StorageUnavailable(
            "The calendar's database is unavailable, so nothing was read or changed. "
            "The bot's operator has been told."
        )

    def _identity(self) -> tuple[int, int]:
        status = os.stat(self.path)
        return status.st_dev, status.st_ino


def checked_file(info: dict[Any, Any]) -> None:
    """For a read that begins no transaction (``bot.db.one_trip``): the check a transaction makes
    first, given the pooled connection's ``info``; nothing for a connection to another backend."""
    file = info.get(_FILE)
    if isinstance(file, SqliteFile):
        file.verify()
