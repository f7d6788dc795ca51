"""`launchbot db backup` and `launchbot db copy`: a SQLite backup made while the bot runs, and
every table moved to another database (SQLite to PostgreSQL, or back), verified."""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.cli.errors import EXIT_ERROR, EXIT_SCHEMA, EXIT_USAGE, CliError
from bot.cli.libpq_url import libpq_url
from bot.cli.table import render_table
from bot.config import Settings, database_url
from bot.db.backup import BackupFailed, BackupRefused, backup_sqlite
from bot.db.database_copy import CopyDone, CopyFailed, CopyRefused, copy_database, shown
from bot.db.sqlite_file import sqlite_path
from bot.domain.errors import StorageUnavailable

COMMANDS = ("backup", "copy")
PROGRESS_FROM = 20_000
"""Tables with at least this many rows report their progress on standard error."""
_REFUSED_CODES = {"same": EXIT_USAGE, "source-schema": EXIT_SCHEMA, "target-schema": EXIT_SCHEMA}


def add_parsers(db_commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup = db_commands.add_parser(
        "backup", help="back up a SQLite database, safely while the bot runs",
        description="Copy the SQLite database to FILE with SQLite's online backup API (safe "
        "while the bot runs and writes), check the copy's integrity, and only then give it "
        "FILE's name. For PostgreSQL it prints the pg_dump command to use instead.",
    )  # fmt: skip
    backup.add_argument("file", metavar="FILE", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    copy = db_commands.add_parser(
        "copy", help="copy every table to another database (SQLite <-> PostgreSQL)",
        description="Copy every table of the configured database into the database at --to "
        "(its schema brought to the latest first), in one transaction, and check each table's "
        "row count and checksum on both sides. A target that holds data is refused unless "
        "--replace; a failure leaves the target as it was. Stop the bot first.",
    )  # fmt: skip
    copy.add_argument(
        "--to", required=True, metavar="URL",
        help="the target: sqlite:///path/to/file.db or postgresql://user@host:5432/db",
    )  # fmt: skip
    copy.add_argument(
        "--replace", action="store_true", help="empty the target first if it holds data"
    )


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.db_command == "backup":
        return _backup(settings, Path(args.file), args.file, force=args.force)
    return asyncio.run(_copy(settings, _target_url(args.to), replace=args.replace))


# backup ----------------------------------------------------------------------------------------


def _backup(settings: Settings, target: Path, typed: str, *, force: bool) -> int:
    source = sqlite_path(settings.database_url)
    if source is None:
        raise CliError(_use_pg_dump(settings.database_url, typed), EXIT_USAGE)
    try:
        done = backup_sqlite(source, target, force=force)
    except (BackupRefused, BackupFailed) as exc:
        raise CliError(str(exc)) from None
    print(done.summary())
    return 0


def _use_pg_dump(url: str, file: str) -> str:
    if make_url(url).get_backend_name() != "postgresql":
        return "db backup needs a SQLite database file (LAUNCHBOT_DATABASE_URL)"
    command = shlex.join(["pg_dump", "--format=custom", f"--file={file}", libpq_url(url)])
    return (
        "db backup copies SQLite databases only; back up PostgreSQL with pg_dump: "
        f"{command} (the password from PGPASSWORD or ~/.pgpass; restore with pg_restore, "
        "see docs/operations.md)"
    )


# copy ------------------------------------------------------------------------------------------


def _target_url(raw: str) -> str:
    try:
        url = database_url(raw)
    except ValueError as exc:
        raise CliError(f"--to {raw!r}: expected {exc}", EXIT_USAGE) from None
    if url.startswith("sqlite") and sqlite_path(url) is None:
        raise CliError(f"--to {raw!r}: expected the path of a SQLite file", EXIT_USAGE)
    return url


async def _copy(settings: Settings, target_url: str, *, replace: bool) -> int:
    source_url = settings.database_url
    source_path = sqlite_path(source_url)
    if source_path is not None and not source_path.exists():
        raise CliError(
            f"the database file {source_path} does not exist: nothing to copy", EXIT_SCHEMA
        )
    if source_url == target_url:
        raise CliError(
            f"the target {shown(target_url)} is the configured database itself: give --to "
            "another database",
            EXIT_USAGE,
        )
    try:
        done = await copy_database(source_url, target_url, replace=replace, progress=_progress)
    except CopyRefused as exc:
        raise CliError(str(exc), _REFUSED_CODES.get(exc.reason, EXIT_ERROR)) from None
    except CopyFailed as exc:
        raise CliError(str(exc)) from None
    except (DBAPIError, SQLAlchemyError, OSError, StorageUnavailable) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CliError(f"the copy failed, so the target was left as it was: {reason}") from None
    print(_report(done, source_url, target_url))
    return 0


def _progress(table: str, done: int, total: int) -> None:
    if total >= PROGRESS_FROM and (done == total or done % (total // 10 or 1) < 2000):
        print(f"copying {table}: {done:,}/{total:,} rows", file=sys.stderr, flush=True)


def _report(done: CopyDone, source_url: str, target_url: str) -> str:
    rows = [
        (
            t.name,
            f"{t.source_rows:,}",
            t.source_sum[:16],
            f"{t.target_rows:,}",
            t.target_sum[:16],
            "yes" if t.matches else "NO",
        )
        for t in done.tables
    ]
    headers = ("table", "rows", "checksum", "target rows", "target checksum", "same")
    replaced = f"; {done.replaced_rows:,} rows it held were replaced" if done.replaced_rows else ""
    return (
        render_table(rows, headers)
        + f"\ncopied {len(done.tables)} tables ({done.rows:,} rows) from {shown(source_url)} to "
        f"{shown(target_url)} at schema {done.revision}: every table's row count and checksum "
        f"match{replaced}"
    )
