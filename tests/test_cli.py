"""The `launchbot` command line, run as a real subprocess against each backend."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support import databases

LAUNCHBOT = Path(sys.executable).with_name("launchbot")
REPO = Path(__file__).resolve().parent.parent


def launchbot(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LAUNCHBOT), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_import_bundled_catalog_and_list_it_honestly(cli_env: dict[str, str]) -> None:
    imported = launchbot(cli_env, "launches", "import", "bundled", "--guild", "1")
    assert imported.returncode == 0, imported.stderr
    assert "4 launches added" in imported.stdout

    listed = launchbot(cli_env, "launches", "list", "--guild", "1", "--all")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split("  ")[1].strip(): line for line in listed.stdout.splitlines()[2:]}
    assert set(rows) == {"Xiaomi 12", "Xiaomi 12 Ultra", "Xiaomi 12S Ultra", "Huawei Mate 50"}
    assert "launched" in rows["Xiaomi 12"] and "28 Dec 2021 19:30 (UTC+08:00)" in rows["Xiaomi 12"]
    assert "cancelled" in rows["Xiaomi 12 Ultra"] and rows["Xiaomi 12 Ultra"].rstrip().endswith(
        ("2022", "%")
    )
    assert "00:00" not in rows["Xiaomi 12 Ultra"]
    assert "4 Jul 2022 19:00" in rows["Xiaomi 12S Ultra"]
    assert "6 Sep 2022 14:30" in rows["Huawei Mate 50"] and "launched" in rows["Huawei Mate 50"]

    again = launchbot(cli_env, "launches", "import", "bundled", "--guild", "1")
    assert again.returncode == 0, again.stderr
    assert "0 launches added, 0 updated, 4 unchanged, 0 claims added" in again.stdout

    upcoming = launchbot(cli_env, "launches", "list", "--guild", "1")
    assert upcoming.stdout.strip() == (
        "no upcoming launches in server 1 (4 past, launched or cancelled: --all lists them)"
    )
    other = launchbot(cli_env, "launches", "list", "--guild", "2", "--all")
    assert "no launches in server 2" in other.stdout


def test_export_round_trips_into_another_server(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert launchbot(cli_env, "launches", "import", "bundled", "--guild", "1").returncode == 0
    out_toml = tmp_path / "one.toml"
    exported = launchbot(cli_env, "launches", "export", "--guild", "1", "-o", str(out_toml))
    assert exported.returncode == 0, exported.stderr
    first = tomllib.loads(out_toml.read_text(encoding="utf-8"))
    assert len(first["launch"]) == 4
    assert sum(len(e.get("claim", [])) for e in first["launch"]) >= 10

    imported = launchbot(cli_env, "launches", "import", str(out_toml), "--guild", "2")
    assert imported.returncode == 0, imported.stderr
    as_json = launchbot(cli_env, "launches", "export", "--guild", "2", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == first


def test_broken_import_file_names_the_entry_and_changes_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'format = 1\n\n[[launch]]\ndevice = "Galaxy S22"\nbrand = "Samsung"\ndate = "Q1 2022"\n\n'
        '[[launch]]\ndevice = "Pixel 9"\nbrand = "Google"\ndate = "31 February 2024"\n',
        encoding="utf-8",
    )
    result = launchbot(cli_env, "launches", "import", str(bad), "--guild", "1")
    assert result.returncode == 1
    line = _one_line_error(result)
    assert "bad.toml" in line and "launch #2 (Pixel 9)" in line and "February" in line

    syntax = tmp_path / "syntax.toml"
    syntax.write_text('format = 1\n[[launch]]\ndevice = "Pixel 9\n', encoding="utf-8")
    result = launchbot(cli_env, "launches", "import", str(syntax), "--guild", "1")
    assert result.returncode == 1 and "line 3" in _one_line_error(result)

    conflict = tmp_path / "conflict.json"
    conflict.write_text(
        json.dumps({"format": 1, "launch": [
            {"device": "Galaxy S22", "brand": "Samsung", "date": "Q1 2022"},
            {"device": "Galaxy S22", "brand": "Google", "region": "Europe"},
        ]}),
        encoding="utf-8",
    )  # fmt: skip
    result = launchbot(cli_env, "launches", "import", str(conflict), "--guild", "1")
    assert result.returncode == 1 and "launch #2 (Galaxy S22)" in _one_line_error(result)

    listed = launchbot(cli_env, "launches", "list", "--guild", "1", "--all")
    assert "no launches in server 1" in listed.stdout


def test_bad_config_value_is_one_line_exit_2(cli_env: dict[str, str]) -> None:
    for key, value in [("LAUNCHBOT_LOG_LEVEL", "LOUD"), ("LAUNCHBOT_DATABASE_URL", "mysql://x/y")]:
        result = launchbot({**cli_env, key: value}, "launches", "list", "--guild", "1")
        assert result.returncode == 2
        line = _one_line_error(result)
        assert key in line and repr(value) in line and "expected" in line


def test_run_without_token_explains_how_to_get_one(cli_env: dict[str, str]) -> None:
    result = launchbot(cli_env, "run")
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and "discord.com/developers" in result.stderr
    assert "Traceback" not in result.stderr


def test_out_of_date_schema_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "LAUNCHBOT_DATABASE_URL": databases.sqlite_url(tmp_path / "a.db"),
    }
    refused = launchbot(env, "launches", "list", "--guild", "1", cwd=tmp_path)
    assert refused.returncode == 3
    assert "launchbot db upgrade" in _one_line_error(refused)
    upgraded = launchbot(env, "db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0 and "upgraded from empty" in upgraded.stdout
    again = launchbot(env, "db", "upgrade", cwd=tmp_path)
    assert again.returncode == 0 and "up to date" in again.stdout
    assert launchbot(env, "launches", "list", "--guild", "1", cwd=tmp_path).returncode == 0


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {"LAUNCHBOT_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    result = launchbot({"PATH": "/usr/bin:/bin", **env}, "db", "upgrade", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot use the database" in _one_line_error(result)


@pytest.mark.parametrize(
    "args",
    [
        [], ["run"], ["sync"], ["db"], ["db", "upgrade"], ["launches"], ["launches", "list"],
        ["launches", "import"], ["launches", "export"], ["check-config"],
    ],
)  # fmt: skip
def test_every_command_has_help(args: list[str], tmp_path: Path) -> None:
    result = launchbot({"PATH": "/usr/bin:/bin"}, *args, "--help", cwd=tmp_path)
    assert result.returncode == 0 and "usage: launchbot" in result.stdout


def test_check_config_shows_settings_without_the_token(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DISCORD_TOKEN": "super.secret.token"}
    result = launchbot(env, "check-config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "configuration is valid" in result.stdout and "token:            set" in result.stdout
    assert "super.secret.token" not in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()
    assert "http:             off (/healthz and /metrics not served)" in result.stdout
    served = launchbot({**env, "LAUNCHBOT_HTTP_LISTEN": "[::1]:9108"}, "check-config", cwd=tmp_path)
    assert "http:             /healthz and /metrics on [::1]:9108" in served.stdout


def test_large_import_shows_progress(cli_env: dict[str, str], tmp_path: Path) -> None:
    launches = [
        {"device": f"Phone {n}", "brand": f"Brand {n % 7}", "date": f"Q{n % 4 + 1} {2030 + n % 5}"}
        for n in range(120)
    ]
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"format": 1, "launch": launches}), encoding="utf-8")
    result = launchbot(cli_env, "launches", "import", str(big), "--guild", "7")
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith("importing:")]
    assert (
        progress[0] == "importing: 12/120 launches"
        and progress[-1] == "importing: 120/120 launches"
    )
    assert "120 launches added" in result.stdout
    listed = launchbot(cli_env, "launches", "list", "--guild", "7")
    assert listed.stdout.splitlines()[-1] == (
        "showing 1 to 100 of 120 upcoming launches; the next ones: --offset 100"
    )


@pytest.mark.parametrize("guild", ["0", "-3", "abc", "99999999999999999999", "\uff11\uff12"])
def test_guild_ids_are_checked_before_anything_runs(guild: str, tmp_path: Path) -> None:
    result = launchbot(
        {"PATH": "/usr/bin:/bin"}, "launches", "list", "--guild", guild, cwd=tmp_path
    )
    assert result.returncode == 2 and "is not a server id" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_services_and_bad_paths_are_one_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    no_discord = {
        **cli_env,
        "DISCORD_TOKEN": "abc.def.ghi",
        "LAUNCHBOT_DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
    }
    result = launchbot(no_discord, "run")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("launchbot: cannot talk to Discord at http://127.0.0.1:9/api/v10")
    assert "abc.def.ghi" not in result.stderr and "voice" not in result.stderr

    no_database = {
        **no_discord,
        "LAUNCHBOT_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/none",
    }
    result = launchbot(no_database, "run")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "launchbot: cannot use the database" in result.stderr.strip().splitlines()[-1]

    result = launchbot(cli_env, "launches", "export", "--guild", "1", "-o", "/nonexistent/x.toml")
    assert result.returncode == 1 and "cannot write /nonexistent/x.toml" in _one_line_error(result)

    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = launchbot(cli_env, "launches", "import", str(nested), "--guild", "1")
    assert result.returncode == 1 and "nested too deeply" in _one_line_error(result)

    ancient = tmp_path / "ancient.toml"
    ancient.write_text(
        'format = 1\n[[launch]]\ndevice = "A"\nbrand = "B"\n[[launch.claim]]\nabout = "date"\n'
        'date = "2022"\nsource_kind = "media"\nseen_at = 0001-01-01T00:00:00+05:00\n',
        encoding="utf-8",
    )
    result = launchbot(cli_env, "launches", "import", str(ancient), "--guild", "1")
    assert result.returncode == 1 and "between 1970 and 2200" in _one_line_error(result)


def test_only_db_upgrade_creates_the_database_file_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    env = {
        "PATH": "/usr/bin:/bin",
        "DISCORD_TOKEN": "abc.def.ghi",
        "LAUNCHBOT_DATABASE_URL": databases.sqlite_url(folder / "launchbot.db"),
        "LAUNCHBOT_DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
    }
    missing = f"the database file {folder / 'launchbot.db'} does not exist"
    for args in [
        ["launches", "list", "--guild", "1"],
        ["launches", "export", "--guild", "1"],
        ["launches", "import", "bundled", "--guild", "1"],
        ["run"],
    ]:
        result = launchbot(env, *args, cwd=tmp_path)
        last = result.stderr.strip().splitlines()[-1]
        assert result.returncode == 3 and "Traceback" not in result.stderr, args
        assert missing in last and "launchbot db upgrade" in last
    current = launchbot(env, "db", "current", cwd=tmp_path)
    assert current.returncode == 0 and "empty, no file at" in current.stdout
    checked = launchbot(env, "check-config", cwd=tmp_path)
    assert checked.returncode == 0 and f"database state:   not ready: {missing}" in checked.stdout
    assert not folder.exists()
    assert launchbot(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    assert (folder / "launchbot.db").is_file()


def test_check_config_says_whether_the_database_is_reachable_and_current(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    ready = launchbot(cli_env, "check-config", cwd=tmp_path)
    assert ready.returncode == 0, ready.stderr
    assert "database state:   reachable, at the latest schema (" in ready.stdout

    old = {**cli_env, "LAUNCHBOT_DATABASE_URL": databases.sqlite_url(tmp_path / "old.db")}
    assert launchbot(old, "db", "upgrade", cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    behind = launchbot(old, "check-config", cwd=tmp_path)
    assert "database state:   not ready: the database is at revision 0001 but" in behind.stdout

    gone = {**cli_env, "LAUNCHBOT_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/none"}
    unreachable = launchbot(gone, "check-config", cwd=tmp_path)
    assert unreachable.returncode == 0 and "Traceback" not in unreachable.stderr
    assert "database state:   unreachable: cannot use the database" in unreachable.stdout


@pytest.mark.parametrize("token", [None, "  "])
def test_make_run_without_a_token_explains_and_creates_no_database(
    tmp_path: Path, token: str | None
) -> None:
    venv = LAUNCHBOT.parent.parent
    if not (venv / "pyvenv.cfg").is_file() or not (venv / "bin" / "python").exists():
        pytest.skip("the tests do not run in a virtual environment make could use")
    env = {
        "PATH": "/usr/bin:/bin",
        "LAUNCHBOT_DATABASE_URL": databases.sqlite_url(tmp_path / "data" / "launchbot.db"),
    }
    if token is not None:
        env["DISCORD_TOKEN"] = token
    result = subprocess.run(
        ["make", "-s", "-C", str(REPO), f"VENV={venv}", "-o", f"{venv}/.installed-run", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DISCORD_TOKEN is not set" in result.stderr and "discord.com/developers" in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--shards", "1-2"], "--shards='1-2': expected a shard count as well"),
        (["--shard-count", "2", "--shards", "2"], "--shards='2': expected shards within"),
        (["--shard-count", "two"], "--shard-count='two': expected a whole number of shards"),
    ],
)
def test_bad_shard_options_are_one_line_exit_2(
    cli_env: dict[str, str], args: list[str], expected: str
) -> None:
    result = launchbot({**cli_env, "DISCORD_TOKEN": "a.b.c"}, "run", *args)
    assert result.returncode == 2
    assert expected in _one_line_error(result)
