"""`launches list`: honest when nothing is upcoming, --limit/--offset instead of a silent cap,
and --json for scripts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli import launchbot

UPCOMING = 150


def _import(cli_env: dict[str, str], tmp_path: Path, launches: list[dict[str, Any]]) -> None:
    catalog = tmp_path / "launches.json"
    catalog.write_text(json.dumps({"format": 1, "launch": launches}), encoding="utf-8")
    imported = launchbot(cli_env, "launches", "import", str(catalog), "--guild", "7")
    assert imported.returncode == 0, imported.stderr


def _listed(cli_env: dict[str, str], *args: str) -> dict[str, Any]:
    result = launchbot(cli_env, "launches", "list", "--guild", "7", "--json", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _devices(data: dict[str, Any]) -> list[str]:
    return [launch["device"] for launch in data["launches"]]


@pytest.fixture
def calendar(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """150 launches ahead (Phone 000 first), and two in the past."""
    first = date(2090, 1, 1)
    ahead = [
        {"device": f"Phone {n:03}", "brand": "Brand", "date": str(first + timedelta(days=n))}
        for n in range(UPCOMING)
    ]
    past = [{"device": f"Old {n}", "brand": "Brand", "date": f"{2019 + n}"} for n in range(2)]
    _import(cli_env, tmp_path, ahead + past)
    return cli_env


def test_offset_and_limit_walk_the_upcoming_list_without_gaps(calendar: dict[str, str]) -> None:
    everything = _listed(calendar, "--limit", str(UPCOMING))
    assert _devices(everything) == [f"Phone {n:03}" for n in range(UPCOMING)]
    assert everything["total"] == UPCOMING and everything["total_exact"] is True
    assert everything["more"] is False

    across_pages = _listed(calendar, "--offset", "90", "--limit", "20")
    assert _devices(across_pages) == [f"Phone {n:03}" for n in range(90, 110)]
    assert (across_pages["offset"], across_pages["total"], across_pages["more"]) == (90, 150, True)

    table = launchbot(calendar, "launches", "list", "--guild", "7")
    lines = table.stdout.splitlines()
    assert len(lines) == 2 + 100 + 1 and "Phone 099" in lines[-2]
    assert lines[-1] == "showing 1 to 100 of 150 upcoming launches; the next ones: --offset 100"

    rest = launchbot(calendar, "launches", "list", "--guild", "7", "--offset", "100")
    lines = rest.stdout.splitlines()
    assert len(lines) == 2 + 50 + 1 and "Phone 100" in lines[2] and "Phone 149" in lines[-2]
    assert lines[-1] == "showing 101 to 150 of 150 upcoming launches"

    beyond = launchbot(calendar, "launches", "list", "--guild", "7", "--offset", "500")
    assert beyond.stdout.strip() == (
        "no launches from --offset 500 on: server 7 has 150 upcoming launches"
    )


def test_all_pages_by_offset_too(calendar: dict[str, str]) -> None:
    start = _listed(calendar, "--all", "--limit", "3")
    assert _devices(start) == ["Old 0", "Old 1", "Phone 000"]
    assert (start["scope"], start["total"], start["more"]) == ("all", 152, True)
    end = _listed(calendar, "--all", "--offset", "150")
    assert _devices(end) == ["Phone 148", "Phone 149"] and end["more"] is False

    table = launchbot(calendar, "launches", "list", "--guild", "7", "--all", "--limit", "2")
    assert table.stdout.splitlines()[-1] == (
        "showing 1 to 2 of 152 launches; the next ones: --offset 2"
    )


def test_json_describes_each_launch_for_scripts(cli_env: dict[str, str], tmp_path: Path) -> None:
    _import(cli_env, tmp_path, [{
        "device": "Redmi Note 15 *Pro*", "brand": "小米", "region": "India", "confidence": 80,
        "date": "2090-03-01 19:30", "timezone": "Asia/Kolkata", "status": "confirmed",
    }])  # fmt: skip
    data = _listed(cli_env)
    assert {k: data[k] for k in ("scope", "offset", "limit", "total", "more")} == {
        "scope": "upcoming", "offset": 0, "limit": 100, "total": 1, "more": False,
    }  # fmt: skip
    (launch,) = data["launches"]
    assert isinstance(launch.pop("id"), int) and launch.pop("updated_at").endswith("Z")
    assert launch == {
        "device": "Redmi Note 15 *Pro*", "brand": "小米", "series": False, "region": "India",
        "kind": "announcement", "status": "confirmed", "date": "1 March 2090 19:30 Asia/Kolkata",
        "precision": "exact", "window_start": "2090-03-01T14:00:00Z",
        "window_end": "2090-03-01T14:01:00Z", "timezone": "Asia/Kolkata", "confidence": 80,
        "livestream_url": None, "partner": None, "note": None,
    }  # fmt: skip

    empty = launchbot(cli_env, "launches", "list", "--guild", "8", "--json")
    assert json.loads(empty.stdout)["launches"] == [] and empty.stderr == ""


def test_only_past_launches_are_not_called_no_launches(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _import(cli_env, tmp_path, [{"device": "Old", "brand": "Brand", "date": "2020"}])
    listed = launchbot(cli_env, "launches", "list", "--guild", "7")
    assert listed.stdout.strip() == (
        "no upcoming launches in server 7 (1 past, launched or cancelled: --all lists it)"
    )
    empty = launchbot(cli_env, "launches", "list", "--guild", "8")
    assert empty.stdout.strip() == "no launches in server 8"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--limit", "0"), ("--limit", "10001"), ("--limit", "-5"), ("--offset", "-1"),
     ("--offset", "x"), ("--offset", "\u0661\u0662"), ("--limit", "1e3")],
)  # fmt: skip
def test_limit_and_offset_are_checked_before_anything_runs(
    option: str, value: str, tmp_path: Path
) -> None:
    result = launchbot(
        {"PATH": "/usr/bin:/bin"}, "launches", "list", "--guild", "1", option, value, cwd=tmp_path
    )
    assert result.returncode == 2 and "is not a whole number" in result.stderr
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == []
