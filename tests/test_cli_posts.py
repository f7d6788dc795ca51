"""`posts list`: a server's scheduled posts from the command line, as /settings show counts them,
one by one with why a post failed or was skipped; --state, --limit and --json."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bot.db.engine import create_engine
from bot.db.models import Post
from tests.test_cli import launchbot

CATALOG = {
    "format": 1,
    "launch": [
        {"device": "Pixel 11", "brand": "Google", "status": "confirmed",
         "date": "2090-03-10 11:30", "timezone": "UTC"},
        {"device": "Mate 90", "brand": "Huawei", "region": "China", "status": "confirmed",
         "date": "2090-05-01 08:00", "timezone": "UTC"},
    ],
}  # fmt: skip
SENT = datetime(2090, 3, 3, 11, 30, 2, tzinfo=UTC)
REFUSED = "Discord answered 403 (code 50013)"
TOO_LATE = "too late: due 2090-03-10 10:30 UTC, the bot was not running"


async def _outcomes(db_url: str) -> None:
    """What a running bot would have recorded for three of Pixel 11's posts."""
    engine = create_engine(db_url)
    outcomes: dict[str, dict[str, Any]] = {
        "reminder:10080@20900303T1130": {
            "state": "sent", "sent_at": SENT, "channel_id": 2**62, "message_id": 2**62 + 1,
            "attempts": 1, "late": True,
        },
        "reminder:1440@20900309T1130": {"state": "failed", "reason": REFUSED, "attempts": 1},
        "reminder:60@20900310T1030": {"state": "skipped", "reason": TOO_LATE, "attempts": 1},
    }  # fmt: skip
    try:
        async with engine.begin() as conn:
            for key, values in outcomes.items():
                await conn.execute(
                    update(Post).where(Post.guild_id == 7, Post.key == key).values(values)
                )
    finally:
        await engine.dispose()


@pytest.fixture
def posts(cli_env: dict[str, str], db_url: str, tmp_path: Path) -> dict[str, str]:
    catalog = tmp_path / "launches.json"
    catalog.write_text(json.dumps(CATALOG), encoding="utf-8")
    for guild in ("7", "8"):
        imported = launchbot(cli_env, "launches", "import", str(catalog), "--guild", guild)
        assert imported.returncode == 0, imported.stderr
    asyncio.run(_outcomes(db_url))  # in server 7 only
    return cli_env


def _listed(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = launchbot(env, "posts", "list", "--guild", "7", "--json", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_the_table_lists_what_is_still_to_go_first_then_what_became_of_the_rest(
    posts: dict[str, str],
) -> None:
    shown = launchbot(posts, "posts", "list", "--guild", "7")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["#", "Kind", "About", "To", "Due", "(UTC)", "State", "Tries", "Why"]
    rows = [" ".join(line.split()[1:]) for line in lines[2:-1]]
    assert rows == [
        "launch #1 Pixel 11 announce channel 2090-03-10 11:30 pending 0",
        "reminder #2 Mate 90 (China) announce channel 2090-04-24 08:00 pending 0",
        "reminder #2 Mate 90 (China) announce channel 2090-04-30 08:00 pending 0",
        "reminder #2 Mate 90 (China) announce channel 2090-05-01 07:00 pending 0",
        "launch #2 Mate 90 (China) announce channel 2090-05-01 08:00 pending 0",
        "reminder #1 Pixel 11 announce channel 2090-03-10 10:30 skipped 1 " + TOO_LATE,
        "reminder #1 Pixel 11 announce channel 2090-03-09 11:30 failed 1 " + REFUSED,
        "reminder #1 Pixel 11 announce channel 2090-03-03 11:30 sent late 1",
    ]
    assert lines[-1] == "server 7: 5 pending · 1 sent · 1 failed · 1 skipped · 0 cancelled"
    assert len({line.index("announce channel") for line in lines[2:-1]}) == 1  # aligned


def test_state_and_limit_choose_and_say_how_many_there_are(posts: dict[str, str]) -> None:
    failed = _listed(posts, "--state", "failed")
    assert [(p["state"], p["reason"]) for p in failed["posts"]] == [("failed", REFUSED)]
    assert (failed["state"], failed["total"], failed["more"]) == ("failed", 1, False)

    first = launchbot(posts, "posts", "list", "--guild", "7", "--state", "pending", "--limit", "2")
    lines = first.stdout.splitlines()
    assert len(lines) == 2 + 2 + 2 and "2090-03-10 11:30" in lines[2]
    assert lines[-1] == "showing 2 of 5 pending posts; --limit shows more"

    none = launchbot(posts, "posts", "list", "--guild", "7", "--state", "cancelled")
    assert none.stdout.strip() == (
        "no cancelled posts in server 7 (5 pending · 1 sent · 1 failed · 1 skipped · 0 cancelled)"
    )
    empty = launchbot(posts, "posts", "list", "--guild", "9")
    assert empty.returncode == 0 and empty.stdout.strip() == (
        "no scheduled posts in server 9 (0 pending · 0 sent · 0 failed · 0 skipped · 0 cancelled)"
    )
    assert len(_listed(posts)["posts"]) == 8  # server 8's posts are its own
    other = _listed(posts, "--limit", "1")
    assert other["counts"]["pending"] == 5 and other["more"] is True
    server_8 = launchbot(posts, "posts", "list", "--guild", "8", "--json")
    assert json.loads(server_8.stdout)["counts"]["pending"] == 8  # its own posts, none sent

    wrong = launchbot(posts, "posts", "list", "--guild", "7", "--state", "lost")
    assert wrong.returncode == 2 and "invalid choice: 'lost'" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_json_describes_each_post_for_scripts(posts: dict[str, str]) -> None:
    data = _listed(posts, "--state", "sent")
    assert {k: data[k] for k in ("guild", "state", "limit", "total", "more")} == {
        "guild": "7", "state": "sent", "limit": 100, "total": 1, "more": False,
    }  # fmt: skip
    assert data["counts"] == {
        "pending": 5, "sending": 0, "sent": 1, "failed": 1, "skipped": 1, "cancelled": 0,
    }  # fmt: skip
    (post,) = data["posts"]
    assert isinstance(post.pop("id"), int)
    assert post == {
        "kind": "reminder", "subject": "launch:1", "key": "reminder:10080@20900303T1130",
        "launch_id": 1, "launch": "Pixel 11", "target": "channel", "state": "sent",
        "due_at": "2090-03-03T11:30:00Z", "expires_at": "2090-03-03T17:30:00Z", "attempts": 1,
        "late": True, "reason": None, "sent_at": "2090-03-03T11:30:02Z",
        "channel_id": str(2**62), "message_id": str(2**62 + 1),
    }  # fmt: skip
