"""`launchbot db copy --to URL` as a real process: the table it prints, and every refusal in one
line with its exit code, leaving the target as it was."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.models import Base
from bot.db.sqlite_file import sqlite_path
from tests.db.copy_seed import every_row
from tests.support import databases
from tests.test_cli import _one_line_error, launchbot


def _copy(env: dict[str, str], target: str, *extra: str) -> tuple[int, str, str]:
    result = launchbot(env, "db", "copy", "--to", target, *extra)
    return result.returncode, result.stdout, result.stderr


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    return asyncio.run(every_row(url))


@pytest.fixture
def filled(cli_env: dict[str, str]) -> dict[str, str]:
    imported = launchbot(cli_env, "launches", "import", "bundled", "--guild", "1")
    assert imported.returncode == 0, imported.stderr
    return cli_env


def test_the_copy_prints_every_table_with_its_count_and_checksum(
    filled: dict[str, str], other_db_url: str
) -> None:
    code, out, err = _copy(filled, other_db_url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["table", "rows", "checksum", "target", "rows", "target",
                                "checksum", "same"]  # fmt: skip
    rows = {line.split()[0]: line.split() for line in lines[2:-1]}
    assert list(rows) == [t.name for t in Base.metadata.sorted_tables]
    assert all(r[1] == r[3] and r[2] == r[4] and r[5] == "yes" for r in rows.values())
    assert rows["launches"][1] == "4" and rows["claims"][1] == "14" and rows["polls"][1] == "3"
    assert lines[-1].startswith(f"copied {len(rows)} tables (")
    assert lines[-1].endswith(
        f"at schema {migrate.head_revision()}: every table's row count and checksum match"
    )
    assert _rows(other_db_url) == _rows(filled["LAUNCHBOT_DATABASE_URL"])
    listed = launchbot({**filled, "LAUNCHBOT_DATABASE_URL": other_db_url},
                       "launches", "list", "--guild", "1", "--all")  # fmt: skip
    assert listed.stdout == launchbot(filled, "launches", "list", "--guild", "1", "--all").stdout


def test_a_target_with_data_is_refused_unless_replace(
    filled: dict[str, str], other_db_url: str
) -> None:
    assert _copy(filled, other_db_url)[0] == 0
    again = launchbot(filled, "launches", "import", "bundled", "--guild", "2")
    assert again.returncode == 0
    before = _rows(other_db_url)
    refused = launchbot(filled, "db", "copy", "--to", other_db_url)
    assert refused.returncode == 1
    assert _one_line_error(refused).startswith(
        "launchbot: the target database already holds data ("
    ) and _one_line_error(refused).endswith("nothing was copied; --replace empties it first")
    assert _rows(other_db_url) == before
    code, out, err = _copy(filled, other_db_url, "--replace")
    assert code == 0, err
    held = sum(len(rows) for rows in before.values())
    assert out.splitlines()[-1].endswith(f"match; {held} rows it held were replaced")
    assert _rows(other_db_url) == _rows(filled["LAUNCHBOT_DATABASE_URL"])


def _spellings(url: str, tmp_path: Path) -> list[str]:
    path = url.removeprefix("sqlite+aiosqlite:///")
    if path != url:
        link = tmp_path / "link.db"
        link.symlink_to(path)
        return [url, f"sqlite:///{path}", f"sqlite:///{link}"]
    return [url, url.replace("127.0.0.1", "localhost"), url.replace("+asyncpg", "")]


def test_the_configured_database_itself_is_refused(filled: dict[str, str], tmp_path: Path) -> None:
    source = filled["LAUNCHBOT_DATABASE_URL"]
    before = _rows(source)
    for spelt in _spellings(source, tmp_path):
        refused = launchbot(filled, "db", "copy", "--to", spelt, "--replace")
        assert refused.returncode == 2, spelt
        line = _one_line_error(refused)
        assert line.endswith("is the configured database itself: give --to another database")
    assert _rows(source) == before


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("mysql://root@db/calendar", 2, "--to 'mysql://root@db/calendar': expected sqlite+"),
        ("not a url", 2, "--to 'not a url': expected sqlite+aiosqlite:///path"),
        ("sqlite:///:memory:", 2, "expected the path of a SQLite file"),
        (
            "postgresql://nobody:hush@127.0.0.1:9/none", 1,
            "cannot use the target database postgresql+asyncpg://nobody:***@127.0.0.1:9/none: ",
        ),
    ],
)  # fmt: skip
def test_a_bad_target_url_is_one_line(
    cli_env: dict[str, str], url: str, code: int, message: str
) -> None:
    result = launchbot(cli_env, "db", "copy", "--to", url)
    assert result.returncode == code
    assert message in _one_line_error(result)
    assert "hush" not in result.stderr


def test_a_missing_postgresql_database_is_named(cli_env: dict[str, str]) -> None:
    server = databases.postgres_server_url()
    if server is None:
        pytest.skip(f"{databases.POSTGRES_ENV} is not set")
    url = server.set(database="launchbot_no_such_database").render_as_string(hide_password=False)
    result = launchbot(cli_env, "db", "copy", "--to", url)
    assert result.returncode == 1
    assert _one_line_error(result).endswith(
        'database "launchbot_no_such_database" does not exist (create it first, e.g. with createdb)'
    )


def test_an_out_of_date_source_or_a_newer_target_is_refused(
    cli_env: dict[str, str], other_db_url: str, tmp_path: Path
) -> None:
    old = databases.sqlite_url(tmp_path / "old.db")
    assert launchbot({**cli_env, "LAUNCHBOT_DATABASE_URL": old}, "db", "upgrade").returncode == 0
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0008'")
    result = launchbot({**cli_env, "LAUNCHBOT_DATABASE_URL": old}, "db", "copy", "--to",
                       other_db_url)  # fmt: skip
    assert result.returncode == 3
    assert "the source database is at revision 0008 but this version copies" in (
        _one_line_error(result)
    )
    target_file = sqlite_path(other_db_url)
    assert target_file is None or not target_file.parent.exists()  # a refusal creates nothing
    missing = databases.sqlite_url(tmp_path / "none.db")
    result = launchbot({**cli_env, "LAUNCHBOT_DATABASE_URL": missing}, "db", "copy", "--to",
                       other_db_url)  # fmt: skip
    assert result.returncode == 3 and "none.db does not exist: nothing to copy" in result.stderr
    assert not (tmp_path / "none.db").exists()

    engine = create_engine(other_db_url)
    try:
        asyncio.run(migrate.upgrade(engine))
    finally:
        asyncio.run(engine.dispose())

    async def from_the_future() -> None:
        engine = create_engine(other_db_url)
        try:
            async with engine.begin() as conn:
                await conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
        finally:
            await engine.dispose()

    asyncio.run(from_the_future())
    result = launchbot(cli_env, "db", "copy", "--to", other_db_url)
    assert result.returncode == 3
    assert "the target database is at revision 0099, which this version of launchbot does " \
        "not know" in _one_line_error(result)  # fmt: skip


def test_a_value_the_target_cannot_hold_rolls_the_whole_copy_back(tmp_path: Path) -> None:
    """SQLite does not enforce a text column's length; PostgreSQL does. The copy stops at the
    table that holds the long value and leaves the target empty, with the reason in one line."""
    server = databases.postgres_server_url()
    if server is None:
        pytest.skip(f"{databases.POSTGRES_ENV} is not set")
    env = {"PATH": "/usr/bin:/bin", "LAUNCHBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    assert launchbot(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    assert launchbot(env, "launches", "import", "bundled", "--guild", "1").returncode == 0
    with sqlite3.connect(tmp_path / "a.db") as conn:
        conn.execute("INSERT INTO bot_state VALUES ('long', ?, '2027-01-01 00:00:00.000000')",
                     ("x" * 501,))  # fmt: skip
    database = asyncio.run(databases.create_postgres_database(server, "long_"))
    target = database.render_as_string(hide_password=False)
    try:
        result = launchbot(env, "db", "copy", "--to", target, cwd=tmp_path)
        assert result.returncode == 1
        line = _one_line_error(result)
        assert line.startswith("launchbot: copying the table bot_state failed, so the target "
                               "was left as it was: ")  # fmt: skip
        assert "too long" in line
        assert not any(_rows(target).values())
    finally:
        asyncio.run(databases.drop_postgres_database(server, database))


@pytest.mark.parametrize("action", ["backup", "copy"])
def test_db_backup_and_copy_have_help(action: str, tmp_path: Path) -> None:
    result = launchbot({"PATH": "/usr/bin:/bin"}, "db", action, "--help", cwd=tmp_path)
    assert result.returncode == 0 and f"usage: launchbot db {action}" in result.stdout
