"""`launches export` writes the server's resolved polls as `[[poll]]` tables, and `launches
import` of that file into a fresh server brings them back as they were resolved last (question,
answers, true answers, evidence, the minute it came out), in TOML and in JSON, on each backend.
Open and unresolved polls, votes and polls whose launch is gone stay behind."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db.engine import create_session_factory
from bot.db.models import Device, Launch, Poll, PollVote
from bot.domain.inputs import NewLaunch
from bot.domain.polls import NewPoll
from bot.domain.records import Actor
from bot.domain.vocabulary import LaunchKind
from bot.services.calendar import CalendarService
from bot.services.poll_results import PollResultService
from bot.services.polls import PollService
from tests.support.clock import FakeClock
from tests.test_cli import launchbot

EDITOR = Actor(5, "editor")
DEVICE = 'Pixel "Fold" \\ 2'
HOSTILE = 'Will "Leica" \\ [[poll]] ship? @everyone <@1> **bold** `x` \u00e9\U0001f680'
ZONE = "Asia/Shanghai"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 2, 1, 12, tzinfo=UTC))


async def _launch(calendar: CalendarService, **fields: Any) -> int:
    change = await calendar.add(1, EDITOR, NewLaunch(brand="Google", timezone=ZONE, **fields))
    assert change.after is not None
    return change.after.id


async def _server_with_polls(
    engine: AsyncEngine, calendar: CalendarService, clock: FakeClock
) -> dict[int, datetime]:
    """Guild 1's polls; the resolved ones to export, by poll id, with when they were resolved."""
    sessions = create_session_factory(engine)
    polls = PollService(sessions, clock, builtin_guild_defaults())
    results = PollResultService(sessions, clock, builtin_guild_defaults())
    china = await _launch(calendar, device=DEVICE, region="China", aliases=("Fold Two",))
    china_sale = await _launch(calendar, device=DEVICE, region="China", kind=LaunchKind.SALE)
    global_ = await _launch(calendar, device=DEVICE)
    solo = await _launch(calendar, device="Solo Phone")
    gone = await _launch(calendar, device="Gone Phone")

    async def poll(launch: int, **options: Any) -> int:
        new = NewPoll(launch, closes="2027-04-01 10:00", **options)
        return (await polls.create(1, EDITOR, new)).view.poll.id

    corrected = await poll(china, question=HOSTILE, confidence=True)
    cams = await poll(global_, answers="Leica | Zeiss | Sony", multiple=True)
    sale = await poll(china_sale, answers='Yes "really" | No')
    first_ask = await poll(solo, question="Same question?")
    asked_again = await poll(solo, question="same  QUESTION?")
    still_open = await poll(solo, question="Still open?")
    closed = await poll(solo, question="Closed, never resolved?")
    orphan = await poll(gone)
    for user, answer in ((10, 0), (11, 1)):
        await polls.vote(1, corrected, user, answer, 80)
        await polls.vote(1, still_open, user, answer)
    await polls.vote(1, cams, 10, 0)
    await polls.vote(1, cams, 10, 1)

    when: dict[int, datetime] = {}
    clock.now = datetime(2027, 3, 1, 12, 0, 42, 123456, tzinfo=UTC)
    await results.resolve(1, EDITOR, corrected, "Yes", "https://x.test/first")
    clock.advance(timedelta(hours=3))
    await results.resolve(1, EDITOR, corrected, "No", "https://x.test/correction?a=1&b='2'")
    when[corrected] = clock.now
    clock.now = datetime(2027, 3, 1, 16, 0, tzinfo=UTC)  # midnight in Shanghai: a day
    await results.resolve(1, EDITOR, cams, "Zeiss | Leica", "https://x.test/cams")
    when[cams] = clock.now
    clock.advance(timedelta(minutes=7, seconds=59))
    await results.resolve(1, EDITOR, sale, 'Yes "really"', "https://x.test/sale")
    when[sale] = clock.now
    await results.resolve(1, EDITOR, first_ask, "Yes", "https://x.test/first-ask")
    clock.advance(timedelta(days=1))
    await results.resolve(1, EDITOR, asked_again, "No", "https://x.test/asked-again")
    when[asked_again] = clock.now
    await results.resolve(1, EDITOR, orphan, "Yes", "https://x.test/orphan")
    await polls.close(1, EDITOR, closed)
    await calendar.remove(1, EDITOR, gone)
    return when


async def _polls(engine: AsyncEngine, guild: int, ids: list[int] | None = None) -> set[Any]:
    """The polls as the format carries them: launch, question, answers, choice, outcome, evidence
    and the minute of resolution."""
    query = (
        select(
            Device.name, Launch.region, Launch.kind, Poll.question, Poll.answers, Poll.multiple,
            Poll.outcome, Poll.evidence_url, Poll.resolved_at, Poll.state,
        )
        .join(Launch, Launch.id == Poll.launch_id)
        .join(Device, Device.id == Launch.device_id)
        .where(Poll.guild_id == guild)
    )  # fmt: skip
    if ids is not None:
        query = query.where(Poll.id.in_(ids))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return {
        (*row[:4], tuple(row[4]), *row[5:8], row[8].replace(second=0, microsecond=0), row[9])
        for row in rows
    }


async def test_resolved_polls_round_trip_through_export_and_import(
    engine: AsyncEngine,
    calendar: CalendarService,
    clock: FakeClock,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    resolved = await _server_with_polls(engine, calendar, clock)
    as_toml, as_json = tmp_path / "server.toml", tmp_path / "server.json"
    for target in (as_toml, as_json):
        result = launchbot(cli_env, "launches", "export", "--guild", "1", "-o", str(target))
        assert result.returncode == 0, result.stderr
    data = tomllib.loads(as_toml.read_text(encoding="utf-8"))
    assert json.loads(as_json.read_text(encoding="utf-8")) == data

    default = 'Will the Pixel "Fold" \\ 2 launch on time?'
    questions = sorted(entry["question"] for entry in data["poll"])
    assert questions == sorted([HOSTILE, default, default, "same QUESTION?"])
    by_question = {entry["question"]: entry for entry in data["poll"]}
    assert by_question[HOSTILE] == {
        "launch": DEVICE, "region": "China", "kind": "announcement", "question": HOSTILE,
        "answers": ["Yes", "No"], "outcome": "No",
        "resolved": "1 March 2027 23:00 Asia/Shanghai",
        "evidence_url": "https://x.test/correction?a=1&b='2'",
    }  # fmt: skip
    cams = next(e for e in data["poll"] if e.get("multiple"))
    assert cams["launch"] == DEVICE and cams["region"] == "Global" and "kind" not in cams
    assert cams["outcome"] == ["Leica", "Zeiss"] and cams["resolved"] == "2 March 2027"
    sale = next(e for e in data["poll"] if e.get("kind") == "sale")
    assert sale["outcome"] == 'Yes "really"'
    assert sale["resolved"] == "2 March 2027 00:07 Asia/Shanghai"
    again = by_question["same QUESTION?"]
    assert again["launch"] == "Solo Phone" and "region" not in again and again["outcome"] == "No"

    expected = await _polls(engine, 1, list(resolved))
    assert len(expected) == 4
    for guild, source in ((2, as_toml), (3, as_json)):
        imported = launchbot(cli_env, "launches", "import", str(source), "--guild", str(guild))
        assert imported.returncode == 0, imported.stderr
        assert "4 resolved questions added" in imported.stdout
        assert await _polls(engine, guild) == expected
        exported = launchbot(cli_env, "launches", "export", "--guild", str(guild))
        assert exported.returncode == 0, exported.stderr
        assert tomllib.loads(exported.stdout) == data
    async with engine.connect() as conn:
        votes = await conn.scalar(select(PollVote.user_id).where(PollVote.guild_id.in_((2, 3))))
    assert votes is None


async def test_a_server_without_resolved_polls_exports_no_poll_tables(
    engine: AsyncEngine, calendar: CalendarService, clock: FakeClock, cli_env: dict[str, str]
) -> None:
    sessions = create_session_factory(engine)
    polls = PollService(sessions, clock, builtin_guild_defaults())
    launch = await _launch(calendar, device="Open Phone")
    await polls.create(1, EDITOR, NewPoll(launch, closes="2027-04-01 10:00"))
    exported = launchbot(cli_env, "launches", "export", "--guild", "1")
    assert exported.returncode == 0, exported.stderr
    data = tomllib.loads(exported.stdout)
    assert [e["device"] for e in data["launch"]] == ["Open Phone"] and "poll" not in data
