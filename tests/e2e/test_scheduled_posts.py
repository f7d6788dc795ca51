"""Scheduled posts through the real bot and the emulator, on a clock the test moves: reminders at
the server's offsets and a post at the launch, each sent once, pinging only as the server chose;
re-planned when the date moves, cancelled with the launch, and nothing lost across a restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.dispatcher import Dispatcher
from bot.db.engine import create_engine
from bot.db.models import Post
from bot.domain.admin_note import NOTE_KIND
from bot.domain.catalog import parse_catalog_text
from bot.domain.change_notice import NOTICE_KIND
from bot.domain.records import Actor
from bot.services.catalog_import import import_catalog
from tests.e2e.calendar_helpers import launch_id_of, run, seed_launches
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.emulator import Emulator, MessageRecord
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
LAUNCH = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
FAST = {"LAUNCHBOT_POSTS_SWEEP_SECONDS": "0.05"}


async def _settings(emu: Emulator, server: Server, **options: object) -> None:
    saved = await run(
        emu, server.guild, server.manager, "settings", "set",
        announce_channel=server.announcements, ping_role=server.pings, **options,
    )  # fmt: skip
    assert saved.content == "Settings saved.", saved.content


async def _add(emu: Emulator, server: Server, date: str = "2027-03-10 19:30 Asia/Shanghai") -> str:
    added = await run(
        emu, server.guild, server.editor, "launch", "add", device="Xiaomi 12", brand="Xiaomi",
        date=date, livestream_url="https://live.example/xiaomi12",
    )  # fmt: skip
    assert not added.ephemeral, added.content
    return launch_id_of(added)


def _posts(emu: Emulator, server: Server) -> list[MessageRecord]:
    return [
        m
        for m in emu.channel_messages(server.announcements)
        if "launch" in (m.content or "")
        and m.content.startswith(("⏰", "🚀", f"<@&{server.pings.id}>"))
    ]


async def _reach(
    emu: Emulator, server: Server, clock: FakeClock, when: datetime, count: int
) -> list[MessageRecord]:
    clock.now = when
    await _until(emu, lambda: len(_posts(emu, server)) >= count)
    await asyncio.sleep(0.2)  # long enough for a duplicate to show up
    return _posts(emu, server)


async def _until(emu: Emulator, done: Callable[[], bool]) -> None:
    await emu.message_store.notifier.wait_for(
        lambda: True if done() else None, 15.0, lambda: "the posts did not arrive in 15 s"
    )


async def _settled(db_url: str, expected: list[str], *, notes: bool = False) -> list[str]:
    """The posts' states once they are ``expected``, or as they are after 15 s (a fifth message
    within 5 s in one channel waits for Discord's rate limit to reset); with ``notes``, the
    notes to admins' states after them."""
    states: list[str] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(15):
            while states != expected:
                states = [s for _, s in await _states(db_url)]
                if notes:
                    states += [s for _, s in await _states(db_url, NOTE_KIND)]
                await asyncio.sleep(0.05)
    return states


async def _retry_after(db_url: str, attempts: int) -> datetime:
    """When the pending reminder will next be tried, once its ``attempts``-th try has failed
    (read from the row, so the test moves the clock only after the bot has recorded it)."""
    engine = create_engine(db_url)
    try:
        async with asyncio.timeout(15):
            while True:
                async with engine.connect() as conn:
                    row = (
                        await conn.execute(
                            select(Post.attempts, Post.due_at).where(
                                Post.key.startswith("reminder:"), Post.state == "pending"
                            )
                        )
                    ).one_or_none()
                if row is not None and row.attempts == attempts:
                    due: datetime = row.due_at
                    return due if due.tzinfo else due.replace(tzinfo=UTC)
                await asyncio.sleep(0.02)
    finally:
        await engine.dispose()


async def _states_when(db_url: str, done: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    """The posts' states by key once they are ``done``, or as they are after 15 s (the bot marks
    a post sent only after Discord has answered, so the message can arrive first)."""
    states: dict[str, str] = {}
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(15):
            while True:
                states = dict(await _states(db_url))
                if done(states):
                    break
                await asyncio.sleep(0.05)
    return states


async def _states(db_url: str, kind: str | None = None) -> list[tuple[str, str]]:
    """The posts' keys and states; the launches' posts, or those of ``kind``."""
    # Change notices: tests/e2e/test_change_notices.py; notes to admins: test_admin_notes.py.
    which = Post.kind.not_in([NOTICE_KIND, NOTE_KIND]) if kind is None else Post.kind == kind
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Post.key, Post.state).where(which).order_by(Post.due_at, Post.id)
            )
            return [(k, str(s.value if hasattr(s, "value") else s)) for k, s in rows]
    finally:
        await engine.dispose()


async def test_reminders_and_the_launch_post_go_out_once_each(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server)
    launch = await _add(emu, server)
    confirmed = await run(
        emu, server.guild, server.editor, "launch", "confirm", launch=launch,
        date="2027-03-10 19:30 Asia/Shanghai",
    )  # fmt: skip
    assert not confirmed.ephemeral
    await asyncio.sleep(0.3)
    assert _posts(emu, server) == []

    week = await _reach(emu, server, clock, LAUNCH - timedelta(days=7), 1)
    assert len(week) == 1
    stamp = int(LAUNCH.timestamp())
    assert week[0].content == (
        f"<@&{server.pings.id}> ⏰ **Xiaomi 12** launches <t:{stamp}:R> (<t:{stamp}:F>) · confirmed"
    )
    assert week[0].pings.roles == {server.pings.id} and not week[0].pings.everyone
    day = await _reach(emu, server, clock, LAUNCH - timedelta(days=1), 2)
    hour = await _reach(emu, server, clock, LAUNCH - timedelta(hours=1), 3)
    assert len(day) == 2 and len(hour) == 3
    now = await _reach(emu, server, clock, LAUNCH + timedelta(seconds=5), 4)
    assert len(now) == 4
    assert now[-1].content == (
        f"<@&{server.pings.id}> 🚀 **Xiaomi 12** launches now (<t:{stamp}:t>) · livestream: "
        "<https://live.example/xiaomi12>"
    )
    clock.now = LAUNCH + timedelta(days=2)
    await asyncio.sleep(0.3)
    assert len(_posts(emu, server)) == 4
    assert await _settled(db_url, ["sent"] * 4) == ["sent"] * 4


async def test_a_post_that_falls_due_is_claimed_with_no_empty_claim_after_it(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    """A claim is a write (on SQLite it waits its turn behind other writers, a member's vote
    among them): the dispatcher looks before each, so a claim that finds nothing is rare."""
    clock = FakeClock(START)
    running = await launch_bot(clock, **FAST)
    await _settings(emu, server)
    launch = await _add(emu, server)
    await run(
        emu, server.guild, server.editor, "launch", "confirm", launch=launch,
        date="2027-03-10 19:30 Asia/Shanghai",
    )  # fmt: skip
    await _all_done(db_url, clock.now)  # the change notices
    claims: list[str] = []

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "posts.attempts +" in statement:
            claims.append(statement)

    engine = running.app.runtime.engine.sync_engine
    before = await _attempts(db_url)
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        moments = [timedelta(days=-7), timedelta(days=-1), timedelta(hours=-1), timedelta(0)]
        for count, moment in enumerate(moments, start=1):
            await _reach(emu, server, clock, LAUNCH + moment + timedelta(seconds=1), count)
            await _all_done(db_url, clock.now)
            await _look_ended(running.bot.dispatcher)  # so its server is free again
        await asyncio.sleep(0.3)  # sweeps every 0.05 s with nothing due
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
    claimed = await _attempts(db_url) - before
    assert claimed >= 4
    # Before, each claim that found a post was followed by one that found nothing (4 here).
    assert len(claims) - claimed <= 1, (len(claims), claimed)


async def _look_ended(dispatcher: Dispatcher) -> None:
    async with asyncio.timeout(15):
        while True:
            if not dispatcher.looking:
                return
            await asyncio.sleep(0.01)


async def _all_done(db_url: str, now: datetime) -> None:
    """Until no post is being sent and none due by ``now`` waits."""
    waiting = (Post.state == "sending") | ((Post.state == "pending") & (Post.due_at <= now))
    engine = create_engine(db_url)
    try:
        async with asyncio.timeout(15):
            while True:
                if not await _count(engine, waiting):
                    return
                await asyncio.sleep(0.02)
    finally:
        await engine.dispose()


async def _count(engine: AsyncEngine, where: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Post).where(where)) or 0)


async def _attempts(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.coalesce(func.sum(Post.attempts), 0))) or 0)
    finally:
        await engine.dispose()


async def test_a_rumoured_launch_reminds_without_a_ping_and_a_moved_date_replans(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server, reminder_offsets="1d")
    launch = await _add(emu, server)
    moved = await run(
        emu, server.guild, server.editor, "launch", "edit", launch=launch,
        date="2027-03-20 19:30 Asia/Shanghai",
    )  # fmt: skip
    assert not moved.ephemeral
    clock.now = LAUNCH - timedelta(days=1)
    await asyncio.sleep(0.4)
    assert _posts(emu, server) == []  # the old date's reminder was cancelled
    later = LAUNCH + timedelta(days=10)
    reminded = await _reach(emu, server, clock, later - timedelta(days=1), 1)
    assert reminded[0].content.startswith("⏰ **Xiaomi 12** launches")
    assert reminded[0].pings.nobody
    expected = ["cancelled", "cancelled", "pending", "sent"]
    states = await _states_when(db_url, lambda s: sorted(s.values()) == expected)
    assert sorted(states.values()) == expected


async def test_cancelling_a_launch_cancels_its_posts(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server)
    launch = await _add(emu, server)
    cancelled = await run(emu, server.guild, server.editor, "launch", "cancel", launch=launch)
    assert not cancelled.ephemeral
    clock.now = LAUNCH + timedelta(hours=1)
    await asyncio.sleep(0.4)
    assert _posts(emu, server) == []
    assert {s for _, s in await _states(db_url)} == {"cancelled"}


async def test_posts_survive_a_restart_and_stale_ones_are_skipped(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    first = await launch_bot(clock, **FAST)
    await _settings(emu, server)
    await _add(emu, server)
    await first.stop()
    # Down from before the 1 h reminder until 10 minutes after the launch: the reminder would
    # be false now and is skipped; the launch post is still useful and goes out, marked late.
    clock.now = LAUNCH + timedelta(minutes=10)
    await launch_bot(clock, **FAST)
    await _until(emu, lambda: any("🚀" in (m.content or "") for m in _posts(emu, server)))
    await asyncio.sleep(0.2)
    posts = _posts(emu, server)
    assert len(posts) == 1 and "sent late" in posts[0].content
    expected = ["skipped", "skipped", "skipped", "sent"]
    assert await _settled(db_url, expected) == expected


async def test_a_server_error_is_retried_until_delivered_once_and_a_closed_channel_fails(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server, reminder_offsets="1h")
    await _add(emu, server)
    faults = emu.faults.fail_next("POST", "/channels/*/messages", count=3, status=503)
    due = LAUNCH - timedelta(hours=1)
    clock.now = due
    for attempt, wait in enumerate((5, 10, 20), 1):  # each retry further out, inside the grace
        retry_at = await _retry_after(db_url, attempt)
        assert retry_at == clock.now + timedelta(seconds=wait)
        assert _posts(emu, server) == []
        clock.now = retry_at
    assert faults.hits == 3
    posts = await _reach(emu, server, clock, clock.now, 1)
    assert len(posts) == 1
    emu.faults.fail_next(
        "POST",
        "/channels/*/messages",
        status=403,
        body={"code": 50013, "message": "Missing Permissions"},
    )
    clock.now = LAUNCH
    assert await _settled(db_url, ["sent", "failed", "sent"], notes=True) == [
        "sent", "failed", "sent",
    ]  # fmt: skip
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            reason = await conn.scalar(select(Post.reason).where(Post.state == "failed"))
    finally:
        await engine.dispose()
    assert reason == "Discord answered 403 (code 50013)"
    assert len(_posts(emu, server)) == 1
    notes = [m for m in emu.channel_messages(server.announcements) if m.content.startswith("⚠️")]
    assert len(notes) == 1 and "the launch post for **Xiaomi 12**" in notes[0].content


async def test_changing_the_offsets_replans_every_launch(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server, reminder_offsets="1d")
    await _add(emu, server)
    await _settings(emu, server, reminder_offsets="2h")
    clock.now = LAUNCH - timedelta(days=1)
    await asyncio.sleep(0.4)
    assert _posts(emu, server) == []
    posts = await _reach(emu, server, clock, LAUNCH - timedelta(hours=2), 1)
    assert posts[0].content.startswith("⏰ **Xiaomi 12** launches <t:")
    expected = {
        "reminder:1440@20270309T1130": "cancelled",
        "reminder:120@20270310T0930": "sent",
        "launch:0@20270310T1130": "pending",
    }
    assert await _states_when(db_url, lambda s: s == expected) == expected


async def test_a_day_gets_its_posts_at_nine_in_the_servers_zone(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server, reminder_offsets="1d, 1h", timezone="Europe/Berlin")
    await _add(emu, server, date="10 March 2027")
    assert [k for k, _ in await _states(db_url)] == [
        "reminder:1440@20270309T0800",
        "launch:0@20270310T0800",
    ]
    eve = await _reach(emu, server, clock, datetime(2027, 3, 9, 8, tzinfo=UTC), 1)
    assert eve[0].content == "⏰ **Xiaomi 12** launches tomorrow: 10 March 2027 · rumored"
    day = await _reach(emu, server, clock, datetime(2027, 3, 10, 8, tzinfo=UTC), 2)
    assert day[1].content == (
        "🚀 **Xiaomi 12** launches today (10 March 2027) · livestream: "
        "<https://live.example/xiaomi12>"
    )


async def test_the_next_post_and_the_posts_state_are_shown(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server)
    launch = await _add(emu, server)
    card = await run(emu, server.guild, server.member, "launch", "info", launch=launch)
    fields = {f["name"]: f["value"] for f in card.embeds[0]["fields"]}
    week_before = int((LAUNCH - timedelta(days=7)).timestamp())
    assert fields["Next reminder"] == f"<t:{week_before}:R>"
    about = await run(emu, server.guild, server.member, "about")
    assert {f["name"]: f["value"] for f in about.embeds[0]["fields"]}["Pending posts"] == "4"
    emu.faults.fail_next(
        "POST",
        "/channels/*/messages",
        count=2,  # the reminder and the note to admins about it
        status=404,
        body={"code": 10003, "message": "Unknown Channel"},
    )
    clock.now = LAUNCH - timedelta(days=7)
    expected = ["failed", "pending", "pending", "pending", "failed"]
    assert await _settled(db_url, expected, notes=True) == expected
    shown = await run(emu, server.guild, server.manager, "settings", "show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    day_before = int((LAUNCH - timedelta(days=1)).timestamp())
    assert fields["Scheduled posts"] == (
        f"3 pending · 0 sent · 2 failed · 0 skipped\nNext <t:{day_before}:R>"
    )  # the note refused too is counted, but not listed as a problem of its own
    assert fields["Latest problems"] == (
        f"<t:{week_before}:d> reminder: failed, Discord answered 404 (code 10003)"
    )


CATALOG = """
format = 1

[[launch]]
device = "Pixel 11"
brand = "Google"
region = "Global"
kind = "announcement"
status = "confirmed"
date = "2027-03-10 11:30 UTC"
timezone = "UTC"
"""


async def test_imported_launches_get_their_posts_and_a_running_bot_sends_them(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    running = await launch_bot(clock, **FAST)
    await _settings(emu, server, reminder_offsets="1h")
    runtime = running.bot.runtime
    entries = parse_catalog_text(CATALOG, "toml")
    actor = Actor(id=None, name="command line", member=None)
    result = await import_catalog(runtime.calendar, server.guild.id, actor, entries)
    assert result.created == 1
    assert [k for k, _ in await _states(db_url)] == [
        "reminder:60@20270310T1030",
        "launch:0@20270310T1130",
    ]
    posts = await _reach(emu, server, clock, LAUNCH - timedelta(hours=1), 1)
    assert posts[0].content.startswith(f"<@&{server.pings.id}> ⏰ **Pixel 11** launches")


async def test_launches_from_before_scheduled_posts_get_theirs_at_start(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    # rows written straight, no posts planned; past the 7-day reminder, so that none of the
    # posts planned at start is due yet (a launch tomorrow has today's 09:00 reminder due)
    await seed_launches(db_url, server.guild.id, 3, days_ahead=10)
    assert await _states(db_url) == []
    # The launches are dated from tomorrow on: at the start of today the reminders a day before
    # are still ahead (from 09:00 UTC on, the first would be due, and skipped for want of an
    # announce channel).
    clock = FakeClock(datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0))
    first = await launch_bot(clock)
    async with asyncio.timeout(15):
        planned = await _states(db_url)
        while sum(k.startswith("launch:0@") for k, _ in planned) < 3:
            await asyncio.sleep(0.05)
            planned = await _states(db_url)
    assert {s for _, s in planned} == {"pending"}
    assert sum(k.startswith("launch:0@") for k, _ in planned) == 3
    await first.stop()
    await launch_bot(clock)
    await asyncio.sleep(0.3)
    assert await _states(db_url) == planned  # planned once, not again at every start
