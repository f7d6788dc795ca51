"""Change notices through the posts table, with the real bot and the emulator on a clock the test
moves: planned in the change's own transaction, sent once by the dispatcher with what the change
was, retried through server errors within their grace window, then recorded as failed; none
once the server turns notices off, even for one already planned."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.db.engine import create_engine
from bot.db.models import GuildSettings, Post
from bot.domain.change_notice import NOTICE_GRACE, NOTICE_KIND
from tests.e2e.calendar_helpers import answer_of, launch_id_of, run, wait_further_followup
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.emulator import Emulator, MessageRecord, Perm
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
FAST = {"LAUNCHBOT_POSTS_SWEEP_SECONDS": "0.05"}
MESSAGES = "/channels/*/messages"
MOVED = "**Xiaomi 12**: Q2 2027 (rumored) → 28 Dec 2027 (rumored)"


@dataclass(frozen=True)
class NoticeRow:
    state: str
    attempts: int
    due_at: datetime
    created_at: datetime
    sent_at: datetime | None
    message_id: int | None
    reason: str | None


async def _notice_rows(db_url: str) -> list[NoticeRow]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(
                    Post.state, Post.attempts, Post.due_at, Post.created_at, Post.sent_at,
                    Post.message_id, Post.reason,
                )
                .where(Post.kind == NOTICE_KIND)
                .order_by(Post.id)
            )  # fmt: skip
            return [NoticeRow(str(getattr(r[0], "value", r[0])), *r[1:]) for r in rows]
    finally:
        await engine.dispose()


async def _rows_when(db_url: str, wanted: Callable[[list[NoticeRow]], bool]) -> list[NoticeRow]:
    """The notice rows, once they are as ``wanted`` (the dispatcher writes them meanwhile, and
    records a post only after Discord has answered)."""
    rows: list[NoticeRow] = []
    async with asyncio.timeout(15):
        while not wanted(rows):
            await asyncio.sleep(0.02)
            rows = await _notice_rows(db_url)
    return rows


async def _row_when(db_url: str, wanted: Callable[[NoticeRow], bool]) -> NoticeRow:
    """The single notice row, once it is as ``wanted``."""
    rows = await _rows_when(db_url, lambda rows: len(rows) == 1 and wanted(rows[0]))
    return rows[0]


def _notices(emu: Emulator, server: Server) -> list[MessageRecord]:
    return [m for m in emu.channel_messages(server.announcements) if "→" in (m.content or "")]


async def _server_with_a_launch(
    emu: Emulator, server: Server, launch_bot: StartBot, clock: FakeClock
) -> str:
    await launch_bot(clock, **FAST)
    saved = await run(
        emu, server.guild, server.manager, "settings", "set",
        announce_channel=server.announcements,
    )  # fmt: skip
    assert saved.content == "Settings saved.", saved.content
    added = await run(
        emu, server.guild, server.editor, "launch", "add", device="Xiaomi 12", brand="Xiaomi",
        date="Q2 2027",
    )  # fmt: skip
    assert not added.ephemeral, added.content
    return launch_id_of(added)


async def _move(emu: Emulator, server: Server, launch: str, date: str = "28 December 2027") -> None:
    moved = await run(emu, server.guild, server.editor, "launch", "edit", launch=launch, date=date)
    assert not moved.ephemeral, moved.content


async def test_a_notice_is_a_post_row_sent_once_with_what_the_change_was(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    launch = await _server_with_a_launch(emu, server, launch_bot, clock)
    emu.faults.fail_next("POST", MESSAGES, status=503)  # held back while the launch moves again
    await _move(emu, server, launch)
    await _row_when(db_url, lambda r: r.state == "pending" and r.attempts == 1)
    await _move(emu, server, launch, "H2 2028")
    sent = await emu.wait_for_message(channel=server.announcements)
    assert sent.content == "**Xiaomi 12**: 28 Dec 2027 (rumored) → H2 2028 (rumored)"
    since = len(emu.message_store.created)
    clock.advance(timedelta(seconds=5))
    held = await emu.wait_for_message(channel=server.announcements, since=since)
    assert held.content == MOVED  # what that change was, not what the launch is now
    assert held.pings.nobody and held.allowed_mentions == {"parse": []}
    rows = await _rows_when(db_url, lambda rows: [r.state for r in rows] == ["sent", "sent"])
    assert [(r.state, r.message_id) for r in rows] == [
        ("sent", int(held.id)),
        ("sent", int(sent.id)),
    ]
    assert len(_notices(emu, server)) == 2


async def test_five_server_errors_then_the_notice_is_delivered_once_within_its_grace(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    launch = await _server_with_a_launch(emu, server, launch_bot, clock)
    emu.faults.fail_next("POST", MESSAGES, count=5, status=503)
    await _move(emu, server, launch)
    for attempt in range(1, 6):  # Discord refuses for 5 + 10 + 20 + 40 + 80 s
        row = await _row_when(db_url, lambda r, n=attempt: r.state == "pending" and r.attempts == n)
        assert _notices(emu, server) == []
        clock.now = row.due_at  # when the dispatcher tries again
    row = await _row_when(db_url, lambda r: r.state == "sent")
    notices = _notices(emu, server)
    assert [m.content for m in notices] == [MOVED]
    assert row.attempts == 6 and row.message_id == int(notices[0].id)
    assert row.sent_at is not None and row.sent_at - row.created_at == timedelta(seconds=155)
    assert row.sent_at - row.created_at < NOTICE_GRACE
    assert len(emu.requests_matching("POST", MESSAGES)) == 6


async def test_a_notice_refused_past_its_grace_window_fails_and_is_shown(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    launch = await _server_with_a_launch(emu, server, launch_bot, clock)
    emu.faults.fail_next("POST", MESSAGES, count=1000, status=503)
    await _move(emu, server, launch)
    row = await _row_when(db_url, lambda r: r.attempts == 1 and r.state != "sending")
    while row.state == "pending":
        assert row.due_at < START + NOTICE_GRACE
        clock.now = row.due_at
        row = await _row_when(
            db_url, lambda r, n=row.attempts: r.attempts > n and r.state != "sending"
        )
    assert row.state == "failed"
    assert row.reason == "Discord answered 503; gave up after 9 attempts, past its grace window"
    assert _notices(emu, server) == []
    shown = await run(emu, server.guild, server.manager, "settings", "show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert "· 0 sent · 1 failed · 0 skipped" in fields["Scheduled posts"]
    stamp = int(row.due_at.timestamp())
    assert fields["Latest problems"] == f"<t:{stamp}:d> notice: failed, {row.reason}"


async def test_no_notice_once_notices_are_off_even_one_already_planned(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    launch = await _server_with_a_launch(emu, server, launch_bot, clock)
    emu.faults.fail_next("POST", MESSAGES, status=503)
    await _move(emu, server, launch)
    await _row_when(db_url, lambda r: r.state == "pending" and r.attempts == 1)
    off = await run(emu, server.guild, server.manager, "settings", "set", change_notices=False)
    assert off.content == "Settings saved.", off.content
    clock.advance(timedelta(seconds=5))
    row = await _row_when(db_url, lambda r: r.state == "skipped")
    assert row.reason == "change notices are off"
    await _move(emu, server, launch, "H2 2028")  # off when planned: no row at all
    assert len(await _notice_rows(db_url)) == 1
    assert _notices(emu, server) == []


async def _announce_in(db_url: str, guild_id: int, channel_id: int) -> None:
    """An announce channel the bot cannot reach now (/settings set refuses to choose one)."""
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(GuildSettings)
                .where(GuildSettings.guild_id == guild_id)
                .values(announce_channel_id=channel_id)
            )
    finally:
        await engine.dispose()


async def test_the_editor_is_told_at_once_when_the_notice_cannot_reach_the_channel(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    launch = await _server_with_a_launch(emu, server, launch_bot, clock)
    bot = emu.state.bot_member(server.guild)
    closed = emu.state.add_channel(
        server.guild, "closed", overwrites={bot: (0, Perm.SEND_MESSAGES)}
    )
    gone = emu.state.new_id()
    lacking = f"I can't post the change notice in <#{closed.id}>: I lack permission there."
    cases = [
        (closed.id, "2028", lacking, "Discord answered 403 (code 50013)"),
        (gone, "2029", "The announce channel is gone; set a new one with /settings set.",
         "Discord answered 404 (code 10003)"),
    ]  # fmt: skip
    for count, (channel_id, date, warning, refusal) in enumerate(cases, 1):
        await _announce_in(db_url, server.guild.id, channel_id)
        handle = await emu.invoke_slash(
            server.guild, server.editor, "launch", subcommand="edit",
            options={"launch": launch, "date": date},
        )  # fmt: skip
        reply = await answer_of(handle)
        assert not reply.ephemeral, reply.content
        told = await wait_further_followup(handle)
        assert told.content == warning and told.flags & 64  # ephemeral
        rows: list[NoticeRow] = []
        async with asyncio.timeout(15):  # planned all the same, and failed as Discord refuses
            while len(rows) < count or rows[-1].state != "failed":
                await asyncio.sleep(0.02)
                rows = await _notice_rows(db_url)
        assert rows[-1].reason == refusal
