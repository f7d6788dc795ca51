"""The note to a server's admins when Discord refuses scheduled posts, through the real bot and
the emulator on a clock the test moves: one note for many posts refused for one reason, plain
text that pings nobody; a channel that is gone fails the posts and the note alike, once each;
the note outlives a restart and stays single; and a cause is told again once a post to that
channel has gone through in between."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import Post
from bot.domain.admin_note import NOTE_KIND
from bot.domain.catalog import parse_catalog_text
from bot.domain.records import Actor
from bot.services.catalog_import import import_catalog
from tests.e2e.calendar_helpers import run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import RunningBot, Server
from tests.emulator import Emulator, MessageRecord, RecordedRequest
from tests.emulator.faults import FaultRule
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
LAUNCH = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
FAST = {"LAUNCHBOT_POSTS_SWEEP_SECONDS": "0.05"}
MESSAGES = "/channels/*/messages"
NOTE = "⚠️"
MISSING_PERMISSIONS = {"code": 50013, "message": "Missing Permissions"}


@dataclass(frozen=True)
class Row:
    kind: str
    key: str
    state: str
    attempts: int
    reason: str | None


async def _rows(db_url: str) -> list[Row]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Post.kind, Post.key, Post.state, Post.attempts, Post.reason).order_by(
                    Post.due_at, Post.id
                )
            )
            return [Row(k, key, str(getattr(s, "value", s)), a, r) for k, key, s, a, r in rows]
    finally:
        await engine.dispose()


async def _rows_when(db_url: str, wanted: Callable[[list[Row]], bool]) -> list[Row]:
    """The posts' rows once they are as ``wanted`` (the bot records a post only after Discord
    has answered, and a channel takes five posts in five seconds)."""
    rows: list[Row] = []
    async with asyncio.timeout(20):
        while not wanted(rows):
            await asyncio.sleep(0.05)
            rows = await _rows(db_url)
    return rows


def _notes(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.kind == NOTE_KIND]


def _states(rows: list[Row], kind: str) -> list[str]:
    return [r.state for r in rows if r.kind == kind]


def _note_messages(emu: Emulator, server: Server) -> list[MessageRecord]:
    return [m for m in emu.channel_messages(server.announcements) if m.content.startswith(NOTE)]


def _is_note(request: RecordedRequest) -> bool:
    return str((request.json or {}).get("content", "")).startswith(NOTE)


def _refuse_posts_but_not_notes(emu: Emulator) -> FaultRule:
    """A 403 for every post but the notes, as if the bot lacked a permission only the posts
    need, so the test sees the note (a note refused too is the next test's case)."""
    return emu.faults.fail_next(
        "POST", MESSAGES, count=None, status=403, body=MISSING_PERMISSIONS,
        predicate=lambda r: not _is_note(r),
    )  # fmt: skip


async def _server(
    emu: Emulator, server: Server, launch_bot: StartBot, clock: FakeClock, launches: int,
    offsets: str = "1h",
) -> RunningBot:  # fmt: skip
    """The bot running, the server's announce channel and offsets set, and ``launches``
    launches at the same moment (imported: one transaction, not one command each)."""
    running = await launch_bot(clock, **FAST)
    saved = await run(
        emu, server.guild, server.manager, "settings", "set",
        announce_channel=server.announcements, ping_role=server.pings, reminder_offsets=offsets,
    )  # fmt: skip
    assert saved.content == "Settings saved.", saved.content
    catalog = "format = 1\n" + "".join(
        f'[[launch]]\ndevice = "Phone {n} @everyone"\nbrand = "Seed"\nregion = "Global"\n'
        'kind = "announcement"\nstatus = "confirmed"\ndate = "2027-03-10 11:30 UTC"\n'
        'timezone = "UTC"\n'
        for n in range(launches)
    )
    entries = parse_catalog_text(catalog, "toml")
    result = await import_catalog(
        running.bot.runtime.calendar, server.guild.id, Actor.cli(), entries
    )
    assert result.created == launches
    return running


async def test_many_posts_refused_for_one_reason_tell_the_admins_once(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await _server(emu, server, launch_bot, clock, launches=9)
    refusal = _refuse_posts_but_not_notes(emu)
    clock.now = LAUNCH - timedelta(hours=1)
    rows = await _rows_when(
        db_url,
        lambda rows: (
            _states(rows, "reminder") == ["failed"] * 9 and _states(rows, NOTE_KIND) == ["sent"]
        ),
    )
    assert refusal.hits == 9
    assert {r.reason for r in rows if r.kind == "reminder"} == {"Discord answered 403 (code 50013)"}
    [note] = _notes(rows)
    assert note.key == f"failed:{server.announcements.id}:403:50013" and note.attempts == 1
    [message] = _note_messages(emu, server)
    lines = message.content.splitlines()
    assert lines[0].startswith("⚠️ A scheduled post could not be sent <t:")
    assert lines[0].endswith(": the reminder for **Phone 0 @\u200beveryone**.")  # the first
    assert lines[1] == (
        f"Why: the bot lacks permission to send messages in <#{server.announcements.id}> "
        "(Discord answered 403, code 50013)."
    )
    assert lines[2].startswith(
        f"What to do: give the bot Send Messages in <#{server.announcements.id}>, or choose "
        "another channel with `/settings set announce_channel:`. `/settings show` lists"
    )
    assert message.pings.nobody and message.allowed_mentions == {"parse": []}
    assert message.embeds == [] and message.components == []
    await asyncio.sleep(0.3)  # nothing more: no second note, no retry
    assert len(_note_messages(emu, server)) == 1 and refusal.hits == 9
    shown = await run(emu, server.guild, server.manager, "settings", "show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert "· 1 sent · 9 failed ·" in fields["Scheduled posts"]
    assert fields["Latest problems"].count("reminder: failed, Discord answered 403") == 3


async def test_a_channel_that_is_gone_fails_the_posts_and_the_note_once_each(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await _server(emu, server, launch_bot, clock, launches=2)
    gone = emu.faults.fail_next(
        "POST", f"/channels/{server.announcements.id}/messages", count=None, status=404,
        body={"code": 10003, "message": "Unknown Channel"},
    )  # fmt: skip
    clock.now = LAUNCH - timedelta(hours=1)
    rows = await _rows_when(
        db_url,
        lambda rows: (
            _states(rows, "reminder") == ["failed"] * 2 and _states(rows, NOTE_KIND) == ["failed"]
        ),
    )
    [note] = _notes(rows)
    assert note.attempts == 1 and note.reason == "Discord answered 404 (code 10003)"
    assert note.key == f"failed:{server.announcements.id}:404:10003"
    clock.now = LAUNCH  # more posts refused for the same reason: told already
    rows = await _rows_when(db_url, lambda rows: _states(rows, "launch") == ["failed"] * 2)
    await asyncio.sleep(0.5)  # nothing more: the note is not retried, nor told about
    rows = await _rows(db_url)
    assert _notes(rows) == [note]
    assert gone.hits == 5  # two reminders, the note, two launch posts
    assert emu.channel_messages(server.announcements) == []


async def test_the_note_outlives_a_restart_and_stays_single(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    first = await _server(emu, server, launch_bot, clock, launches=1)
    refusal = _refuse_posts_but_not_notes(emu)
    emu.faults.fail_next("POST", MESSAGES, status=503, predicate=_is_note)  # Discord hiccups
    clock.now = LAUNCH - timedelta(hours=1)
    rows = await _rows_when(
        db_url, lambda rows: [(r.state, r.attempts) for r in _notes(rows)] == [("pending", 1)]
    )
    assert _states(rows, "reminder") == ["failed"]
    await first.stop()
    await launch_bot(clock, **FAST)
    clock.now = LAUNCH  # the note's retry is due, and the launch post fails for the same reason
    rows = await _rows_when(
        db_url,
        lambda rows: _states(rows, "launch") == ["failed"] and _states(rows, NOTE_KIND) == ["sent"],
    )
    assert [r.attempts for r in _notes(rows)] == [2]
    await asyncio.sleep(0.3)  # nothing more
    assert len(_note_messages(emu, server)) == 1 and refusal.hits == 2
    assert (
        _note_messages(emu, server)[0]
        .content.splitlines()[0]
        .endswith(": the reminder for **Phone 0 @\u200beveryone**.")
    )


async def test_a_cause_is_told_again_once_a_post_to_the_channel_went_through(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await _server(emu, server, launch_bot, clock, launches=1, offsets="1d, 1h")
    refusal = _refuse_posts_but_not_notes(emu)
    clock.now = LAUNCH - timedelta(days=1)
    await _rows_when(db_url, lambda rows: _states(rows, NOTE_KIND) == ["sent"])
    emu.faults.remove(refusal)  # an admin fixes the permission; the next reminder goes out
    clock.now = LAUNCH - timedelta(hours=1)
    await _rows_when(db_url, lambda rows: _states(rows, "reminder") == ["failed", "sent"])
    _refuse_posts_but_not_notes(emu)  # and later it is taken away again
    clock.now = LAUNCH
    rows = await _rows_when(
        db_url,
        lambda rows: (
            _states(rows, "launch") == ["failed"] and _states(rows, NOTE_KIND) == ["sent", "sent"]
        ),
    )
    channel = server.announcements.id
    told, again = _notes(rows)
    assert told.key.startswith(f"told:{channel}:403:50013#")
    assert again.key == f"failed:{channel}:403:50013"
    notes = _note_messages(emu, server)
    assert [m.content.splitlines()[0].split(": ", 1)[1] for m in notes] == [
        "the reminder for **Phone 0 @\u200beveryone**.",
        "the launch post for **Phone 0 @\u200beveryone**.",
    ]
