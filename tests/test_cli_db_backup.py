"""`launchbot db backup FILE`: what it refuses and what it leaves behind (the backup taken while
the bot runs and writes is in tests/e2e/test_db_backup.py)."""

from __future__ import annotations

import hashlib
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.db.migrate import head_revision
from bot.db.models import Base
from tests.support import databases
from tests.test_cli import _one_line_error, launchbot


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LAUNCHBOT_DATABASE_URL": databases.sqlite_url(tmp_path / "db" / "bot.db"),
    }
    assert launchbot(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    assert (
        launchbot(env, "launches", "import", "bundled", "--guild", "1", cwd=tmp_path).returncode
        == 0
    )
    return env


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _launches(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM launches").fetchone()[0])


def test_a_backup_is_one_checked_file_that_the_bot_can_run_on(
    env: dict[str, str], tmp_path: Path
) -> None:
    made = launchbot(env, "db", "backup", "backups/first.db", cwd=tmp_path / "db")
    assert made.returncode == 1
    assert _one_line_error(made) == (
        f"launchbot: the folder {tmp_path / 'db' / 'backups'} does not exist: create it first"
    )
    made = launchbot(env, "db", "backup", "first.db", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    backup = tmp_path / "first.db"
    assert made.stdout.startswith(f"backed up {tmp_path / 'db' / 'bot.db'} to {backup}: ")
    tables = len(Base.metadata.tables) + 1  # and alembic_version
    assert made.stdout.rstrip().endswith(
        f", {tables} tables, schema {head_revision()}, integrity ok"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "first.db"]  # no temporary left
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # self-contained
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = {**env, "LAUNCHBOT_DATABASE_URL": databases.sqlite_url(backup)}
    listed = launchbot(restored, "launches", "list", "--guild", "1", "--all", cwd=tmp_path)
    original = launchbot(env, "launches", "list", "--guild", "1", "--all", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout == original.stdout
    assert "Xiaomi 12S Ultra" in listed.stdout


def test_an_existing_file_is_replaced_only_with_force(env: dict[str, str], tmp_path: Path) -> None:
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"an older backup")
    refused = launchbot(env, "db", "backup", str(taken), cwd=tmp_path)
    assert refused.returncode == 1
    assert _one_line_error(refused) == f"launchbot: {taken} already exists: --force replaces it"
    assert taken.read_bytes() == b"an older backup"
    forced = launchbot(env, "db", "backup", str(taken), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert _launches(taken) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "taken.db"]


@pytest.mark.parametrize("where", ["the database", "a folder", "no database"])
def test_what_cannot_be_a_backup_is_refused_in_one_line(
    env: dict[str, str], tmp_path: Path, where: str
) -> None:
    database = tmp_path / "db" / "bot.db"
    before = _digest(database)
    if where == "the database":
        result = launchbot(env, "db", "backup", "db/../db/bot.db", "--force", cwd=tmp_path)
        expected = (
            f"launchbot: {tmp_path / 'db/../db/bot.db'} is the database itself: give another file"
        )
    elif where == "a folder":
        result = launchbot(env, "db", "backup", str(tmp_path), cwd=tmp_path)
        expected = f"launchbot: {tmp_path} is a folder: give the backup file's name"
    else:
        missing = {**env, "LAUNCHBOT_DATABASE_URL": databases.sqlite_url(tmp_path / "none.db")}
        result = launchbot(missing, "db", "backup", "x.db", cwd=tmp_path)
        expected = (
            f"launchbot: there is no database file at {tmp_path / 'none.db'}: nothing to back up"
        )
        assert not (tmp_path / "none.db").exists()
    assert result.returncode == 1
    assert _one_line_error(result) == expected
    assert _digest(database) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]


def test_postgresql_is_told_the_pg_dump_command_without_its_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://launchbot:s3cret-pw@db.example:5433/calendar"
    env = {"PATH": "/usr/bin:/bin", "LAUNCHBOT_DATABASE_URL": url}
    result = launchbot(env, "db", "backup", "my backup.dump", cwd=tmp_path)
    assert result.returncode == 2
    line = _one_line_error(result)
    assert (
        "pg_dump --format=custom '--file=my backup.dump' postgresql://launchbot@db.example:5433/calendar"
        in line
    )
    assert "s3cret" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_pg_dump_command_speaks_libpq_not_asyncpg(tmp_path: Path) -> None:
    url = (
        "postgresql+asyncpg://launchbot:pw@db.example/calendar?ssl=verify-full"
        "&prepared_statement_cache_size=0&target_session_attrs=read-write&command_timeout=30"
    )
    env = {"PATH": "/usr/bin:/bin", "LAUNCHBOT_DATABASE_URL": url}
    result = launchbot(env, "db", "backup", "calendar.dump", cwd=tmp_path)
    assert result.returncode == 2
    told = _one_line_error(result).split("with pg_dump: ")[1].split(" (the password")[0]
    assert shlex.split(told)[-1] == (
        "postgresql://launchbot@db.example/calendar"
        "?sslmode=verify-full&target_session_attrs=read-write"
    )


def test_the_pg_dump_command_runs_against_a_url_with_asyncpg_parameters(
    tmp_path: Path, postgres_database: str | None
) -> None:
    """The bot's own URL with ``ssl`` and a driver-only parameter: the bot reads it, and the
    printed command dumps the database."""
    if postgres_database is None or shutil.which("pg_dump") is None:
        pytest.skip("needs LAUNCHBOT_TEST_POSTGRES_URL and pg_dump")
    url = f"{postgres_database}?ssl=disable&prepared_statement_cache_size=0"
    env = {"PATH": "/usr/bin:/bin", "LAUNCHBOT_DATABASE_URL": url}
    listed = launchbot(env, "launches", "list", "--guild", "1")
    assert listed.returncode == 0, listed.stderr
    result = launchbot(env, "db", "backup", "calendar.dump", cwd=tmp_path)
    assert result.returncode == 2
    told = _one_line_error(result).split("with pg_dump: ")[1].split(" (the password")[0]
    assert "sslmode=disable" in told and "prepared_statement" not in told
    password = {"PGPASSWORD": make_url(postgres_database).password or ""}
    dumped = subprocess.run(
        shlex.split(told), cwd=tmp_path, env={**env, **password}, capture_output=True, timeout=120
    )
    assert dumped.returncode == 0, dumped.stderr
    assert (tmp_path / "calendar.dump").stat().st_size > 0
