"""The weekly digest through the real bot and the emulator, on a clock the test moves: it arrives
at the server's day and time in its zone (on both sides of Berlin's change to summer time), says
what is on this week and what is rumoured next, goes out once, and plans the next; off means
none; a settings change re-plans it; a bot that was down past a digest plans the next at start."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import Post
from tests.e2e.calendar_helpers import launch_id_of, run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.emulator import Emulator, MessageRecord
from tests.support.clock import FakeClock

SATURDAY = datetime(2027, 3, 20, 12, tzinfo=UTC)
FIRST = datetime(2027, 3, 22, 8, tzinfo=UTC)  # Monday 09:00 in Berlin, winter time
SECOND = datetime(2027, 3, 29, 7, tzinfo=UTC)  # Monday 09:00 in Berlin, summer time
FAST = {"LAUNCHBOT_POSTS_SWEEP_SECONDS": "0.05"}
HEADING = "📰 **Weekly digest: launches this week and what is rumoured next**"


async def _settings(emu: Emulator, server: Server, **options: object) -> None:
    saved = await run(emu, server.guild, server.manager, "settings", "set", **options)
    assert saved.content == "Settings saved.", saved.content


async def _digest_on(emu: Emulator, server: Server, **options: object) -> None:
    await _settings(
        emu, server, announce_channel=server.announcements, ping_role=server.pings,
        timezone="Europe/Berlin", digest_day="mon", digest_time="09:00", **options,
    )  # fmt: skip


async def _add(emu: Emulator, server: Server, device: str, date: str, **options: object) -> str:
    added = await run(
        emu, server.guild, server.editor, "launch", "add", device=device, brand="Brand",
        date=date, **options,
    )  # fmt: skip
    assert not added.ephemeral, added.content
    return launch_id_of(added)


def _digests(emu: Emulator, server: Server) -> list[MessageRecord]:
    return [m for m in emu.channel_messages(server.announcements) if m.content.startswith(HEADING)]


async def _arrives(emu: Emulator, server: Server, clock: FakeClock, when: datetime) -> list[str]:
    """Moves the clock a minute short of ``when`` (nothing may arrive), then to ``when``, and
    returns the digests once one more has arrived and no duplicate followed."""
    count = len(_digests(emu, server))
    clock.now = when - timedelta(minutes=1)
    await asyncio.sleep(0.3)
    assert len(_digests(emu, server)) == count, "a digest went out early"
    clock.now = when
    await emu.message_store.notifier.wait_for(
        lambda: True if len(_digests(emu, server)) > count else None,
        15.0,
        lambda: f"no digest at {when}",
    )
    await asyncio.sleep(0.3)  # long enough for a duplicate to show up
    found = _digests(emu, server)
    assert len(found) == count + 1, "a digest went out twice"
    assert found[-1].pings.nobody and found[-1].allowed_mentions == {"parse": []}
    return [m.content for m in found]


async def _digest_rows(db_url: str) -> list[tuple[str, str, datetime]]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Post.key, Post.state, Post.due_at)
                .where(Post.kind == "digest")
                .order_by(Post.key)
            )
            return [(k, str(getattr(s, "value", s)), due) for k, s, due in rows]
    finally:
        await engine.dispose()


async def _settled(db_url: str, expected: list[tuple[str, str, datetime]]) -> None:
    rows: list[tuple[str, str, datetime]] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(15):
            while True:
                rows = await _digest_rows(db_url)
                if rows == expected:
                    return
                await asyncio.sleep(0.05)
    assert rows == expected


async def test_the_digest_arrives_at_nine_in_berlin_on_both_sides_of_the_change(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(SATURDAY)
    await launch_bot(clock, **FAST)
    await _digest_on(emu, server)
    exact = await _add(emu, server, "Xiaomi *12*", "2027-03-24 19:30 Asia/Shanghai")
    day = await _add(emu, server, "Pixel 11", "26 March 2027", region="China")
    week_after = await _add(emu, server, "Find X9", "2027-04-02 10:00 UTC")
    quarter = await _add(emu, server, "Mate 50", "Q2 2027")
    month = await _add(emu, server, "Galaxy S27", "March 2027")
    gone = await _add(emu, server, "Nord 9", "25 March 2027")
    await run(emu, server.guild, server.editor, "launch", "cancel", launch=gone)
    await _add(emu, server, "Old One", "2027-03-21 10:00 UTC")  # before the digest: not shown
    await _settled(db_url, [("digest:20270322", "pending", FIRST)])

    first = await _arrives(emu, server, clock, FIRST)
    stamp = int(datetime(2027, 3, 24, 11, 30, tzinfo=UTC).timestamp())
    april = int(datetime(2027, 4, 2, 10, tzinfo=UTC).timestamp())
    assert first[-1] == "\n".join(
        [
            HEADING,
            "",
            "📅 **This week**",
            f"• `#{exact}` **Xiaomi \\*12\\*** · <t:{stamp}:f> · rumored",
            f"• `#{day}` **Pixel 11 (China)** · ≈ 26 Mar 2027 · rumored",
            "",
            "🔮 **Rumoured next**",
            f"• `#{month}` **Galaxy S27** · ≈ Mar 2027 · rumored",
            f"• `#{quarter}` **Mate 50** · ≈ Q2 2027 · rumored",
            f"• `#{week_after}` **Find X9** · <t:{april}:f> · rumored",
        ]
    )
    await _settled(
        db_url, [("digest:20270322", "sent", FIRST), ("digest:20270329", "pending", SECOND)]
    )

    second = await _arrives(emu, server, clock, SECOND)  # 09:00 in summer time is 07:00 UTC
    assert f"`#{week_after}` **Find X9**" in second[-1].split("🔮")[0]
    assert f"`#{exact}`" not in second[-1]
    await _settled(
        db_url,
        [
            ("digest:20270322", "sent", FIRST),
            ("digest:20270329", "sent", SECOND),
            ("digest:20270405", "pending", SECOND + timedelta(days=7)),
        ],
    )


async def test_digests_off_send_nothing_and_turning_them_off_cancels_the_next(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(SATURDAY)
    await launch_bot(clock, **FAST)
    await _digest_on(emu, server)
    await _add(emu, server, "Pixel 11", "26 March 2027")
    await _settings(emu, server, digest_day="off")
    await _settled(db_url, [("digest:20270322", "cancelled", FIRST)])
    for hours in range(0, 24 * 15, 6):
        clock.now = FIRST + timedelta(hours=hours)
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert _digests(emu, server) == []
    assert await _digest_rows(db_url) == [("digest:20270322", "cancelled", FIRST)]


async def test_changing_the_day_time_or_zone_replans_the_digest(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(SATURDAY)
    await launch_bot(clock, **FAST)
    await _digest_on(emu, server)
    await _settings(emu, server, digest_day="wed", digest_time="18:30")
    wednesday = datetime(2027, 3, 24, 17, 30, tzinfo=UTC)
    await _settled(
        db_url, [("digest:20270322", "cancelled", FIRST), ("digest:20270324", "pending", wednesday)]
    )
    await _settings(emu, server, timezone="America/New_York")  # the same day, a new instant
    in_new_york = datetime(2027, 3, 24, 22, 30, tzinfo=UTC)
    await _settled(
        db_url,
        [("digest:20270322", "cancelled", FIRST), ("digest:20270324", "pending", in_new_york)],
    )
    clock.now = FIRST
    await asyncio.sleep(0.3)
    clock.now = wednesday
    await asyncio.sleep(0.3)
    assert _digests(emu, server) == []
    await _arrives(emu, server, clock, in_new_york)


async def test_a_bot_down_past_its_digest_skips_it_and_plans_the_next_at_start(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(SATURDAY)
    first = await launch_bot(clock, **FAST)
    await _digest_on(emu, server)
    await first.stop()
    clock.now = FIRST + timedelta(hours=7)  # past the six-hour grace window
    await launch_bot(clock, **FAST)
    await _settled(
        db_url, [("digest:20270322", "skipped", FIRST), ("digest:20270329", "pending", SECOND)]
    )
    assert _digests(emu, server) == []
    await _arrives(emu, server, clock, SECOND)


async def test_a_digest_a_few_hours_late_still_goes_out_marked_late(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(SATURDAY)
    first = await launch_bot(clock, **FAST)
    await _digest_on(emu, server)
    await first.stop()
    clock.now = FIRST + timedelta(hours=3)
    await launch_bot(clock, **FAST)
    await emu.message_store.notifier.wait_for(
        lambda: True if _digests(emu, server) else None, 15.0, lambda: "no late digest"
    )
    await asyncio.sleep(0.3)
    (late,) = _digests(emu, server)
    assert late.content.endswith("*(sent late: the bot was offline when it was due)*")
    await _settled(
        db_url, [("digest:20270322", "sent", FIRST), ("digest:20270329", "pending", SECOND)]
    )
