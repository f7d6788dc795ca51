"""`launches export`: the format follows the output file's extension unless --format says."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from tests.test_cli import launchbot


def test_export_writes_the_format_its_file_is_named_for(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    assert launchbot(cli_env, "launches", "import", "bundled", "--guild", "1").returncode == 0
    as_json = tmp_path / "calendar.json"
    exported = launchbot(cli_env, "launches", "export", "--guild", "1", "-o", str(as_json))
    assert exported.returncode == 0 and exported.stderr.strip() == f"wrote {as_json}"
    data = json.loads(as_json.read_text(encoding="utf-8"))
    assert len(data["launch"]) == 4

    as_toml = tmp_path / "calendar.TOML"
    exported = launchbot(cli_env, "launches", "export", "--guild", "1", "-o", str(as_toml))
    assert exported.returncode == 0, exported.stderr
    assert tomllib.loads(as_toml.read_text(encoding="utf-8")) == data

    reimported = launchbot(cli_env, "launches", "import", str(as_json), "--guild", "2")
    assert reimported.returncode == 0, reimported.stderr
    assert "4 launches added" in reimported.stdout
    to_stdout = launchbot(cli_env, "launches", "export", "--guild", "2")
    assert tomllib.loads(to_stdout.stdout) == data


def test_format_option_wins_over_the_extension_and_says_so(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    assert launchbot(cli_env, "launches", "import", "bundled", "--guild", "1").returncode == 0
    named_toml = tmp_path / "calendar.toml"
    args = ("launches", "export", "--guild", "1", "--format", "json", "-o", str(named_toml))
    exported = launchbot(cli_env, *args)
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(named_toml.read_text(encoding="utf-8"))["launch"]) == 4
    assert f"{named_toml} holds JSON" in exported.stderr and "name it .json" in exported.stderr

    named_json = tmp_path / "calendar.json"
    args = ("launches", "export", "--guild", "1", "--format", "toml", "-o", str(named_json))
    assert launchbot(cli_env, *args).returncode == 0
    assert len(tomllib.loads(named_json.read_text(encoding="utf-8"))["launch"]) == 4


def test_an_extension_that_names_no_format_is_refused_before_writing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    for name in ("calendar.txt", "calendar"):
        target = tmp_path / name
        result = launchbot(cli_env, "launches", "export", "--guild", "1", "-o", str(target))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot tell the format" in lines[0], result.stderr
        assert ".toml or .json" in lines[0] and "--format" in lines[0]
        assert not target.exists()
