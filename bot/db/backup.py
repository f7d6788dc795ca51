"""A SQLite database backed up while the bot runs and writes.

SQLite's online backup API copies the pages in one step, inside one read transaction: in WAL
mode that is a consistent snapshot that never blocks the bot's writers (a copy made in several
steps would start over each time the bot commits). The copy goes into a new file beside the
destination, is switched out of WAL (one self-contained file), checked with
``PRAGMA integrity_check``, flushed to disk, and only then given its name, so a failure never
leaves a half-written backup under that name. Copying the database file itself while the bot
runs is not a backup: the latest commits may still be in the ``-wal`` file beside it, and a copy
taken during a checkpoint mixes old and new pages.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.request import pathname2url

OPEN_TIMEOUT_SECONDS = 30.0


class BackupRefused(Exception):
    """Nothing was written; the message says why and what to do."""


class BackupFailed(Exception):
    """The backup could not be made; nothing was left under the destination's name."""


@dataclass(frozen=True, slots=True)
class BackupDone:
    source: Path
    target: Path
    size: int
    tables: int
    revision: str | None

    def summary(self) -> str:
        schema = f"schema {self.revision}" if self.revision else "no schema"
        return (
            f"backed up {self.source} to {self.target}: {_size(self.size)}, {self.tables} tables, "
            f"{schema}, integrity ok"
        )


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    scaled = size / 1024
    for unit in ("KiB", "MiB"):
        if scaled < 1024:
            return f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled:.1f} GiB"


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> BackupDone:
    source, target = source.absolute(), target.absolute()
    _check(source, target, force)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        tables, revision = _copy(source, temporary)
        _flush(temporary)
        _give_name(temporary, target, force)
        _flush(target.parent)
    finally:
        for leftover in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                temporary.with_name(temporary.name + leftover).unlink()
    return BackupDone(source, target, target.stat().st_size, tables, revision)


def _check(source: Path, target: Path, force: bool) -> None:
    if not source.is_file():
        raise BackupRefused(f"there is no database file at {source}: nothing to back up")
    if not target.parent.is_dir():
        raise BackupRefused(f"the folder {target.parent} does not exist: create it first")
    if target.is_dir():
        raise BackupRefused(f"{target} is a folder: give the backup file's name")
    if target.exists():
        if target.samefile(source):
            raise BackupRefused(f"{target} is the database itself: give another file")
        if not force:
            raise BackupRefused(f"{target} already exists: --force replaces it")


def _copy(source: Path, temporary: Path) -> tuple[int, str | None]:
    try:
        # mode=rw never creates the file (it was checked above, but may vanish meanwhile).
        original = sqlite3.connect(
            f"file:{pathname2url(str(source))}?mode=rw", uri=True, timeout=OPEN_TIMEOUT_SECONDS
        )
    except sqlite3.Error as exc:
        raise BackupFailed(f"cannot open {source}: {exc}") from None
    try:
        copy = sqlite3.connect(temporary)
        try:
            original.backup(copy)  # pages=-1: every page in one step, one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupFailed(f"the copy failed its integrity check: {problems[:3]}")
            tables = copy.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            return int(tables), _revision(copy)
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise BackupFailed(f"cannot back up {source}: {exc}") from None
    except OSError as exc:
        raise BackupFailed(f"cannot write beside {temporary.parent}: {exc.strerror}") from None
    finally:
        original.close()


def _revision(copy: sqlite3.Connection) -> str | None:
    try:
        row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row[0])


def _flush(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _give_name(temporary: Path, target: Path, force: bool) -> None:
    try:
        if force:
            os.replace(temporary, target)
            return
        try:
            os.link(temporary, target)  # fails if the name was taken meanwhile: never replaces
        except FileExistsError:
            raise BackupRefused(f"{target} already exists: --force replaces it") from None
        except OSError:  # a file system without hard links
            if target.exists():
                raise BackupRefused(f"{target} already exists: --force replaces it") from None
            os.replace(temporary, target)
    except OSError as exc:
        raise BackupFailed(f"cannot write {target}: {exc.strerror}") from None
