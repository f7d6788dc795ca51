"""A server's database built by its members through the bot, moved with `launchbot db copy` to
the other backend (SQLite to PostgreSQL, or back; SQLite to SQLite without PostgreSQL), and the
bot started on the copy: the same calendar, the same polls and votes (and a new vote counted),
the same posts still to go (each sent once, when due), a member's DM notice still waiting, and
new ids after every id the old database ever handed out."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import Base, Post
from tests.e2e.calendar_helpers import answer_of, button_id, launch_id_of, run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server, start_bot
from tests.e2e.poll_helpers import (
    FAST,
    click,
    close_posts,
    close_posts_when,
    create_poll,
    poll_id_of,
    tally,
    until,
)
from tests.emulator import Emulator, Member, MessageRecord
from tests.support.clock import FakeClock

LAUNCHBOT = Path(sys.executable).with_name("launchbot")
START = datetime(2027, 3, 1, 12, tzinfo=UTC)
LAUNCH = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)  # 19:30 in Shanghai
DM_NOTICE = "📭 I couldn't send you a reminder by DM"


async def _launchbot(url: str, *args: str) -> tuple[int, str, str]:
    env = {"PATH": "/usr/bin:/bin", "LAUNCHBOT_DATABASE_URL": url}
    process = await asyncio.create_subprocess_exec(
        str(LAUNCHBOT), *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), 120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, out.decode(), err.decode()


def _channel_posts(emu: Emulator, server: Server) -> list[MessageRecord]:
    return [
        m for m in emu.channel_messages(server.announcements)
        if "⏰" in (m.content or "") or "🚀" in (m.content or "")
    ]  # fmt: skip


def _dms(emu: Emulator, who: Member) -> list[MessageRecord]:
    return emu.channel_messages(emu.state.dm_channel(who.user))


async def _post_state(url: str, target: str, key: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            state = await conn.scalar(
                select(Post.state).where(Post.target == target, Post.key == key)
            )
        return str(getattr(state, "value", state))
    finally:
        await engine.dispose()


async def _settled(url: str, target: str, key: str, expected: str) -> None:
    async with asyncio.timeout(15):
        while True:
            if await _post_state(url, target, key) == expected:
                return
            await asyncio.sleep(0.05)


class Story:
    """What the members did on the first database, and what the bot showed them."""

    launch: str
    removed: int
    poll: MessageRecord
    upcoming: list[dict[str, Any]]
    infos: dict[str, list[dict[str, Any]]]


def _reminder(hours: int) -> str:
    return f"reminder:{hours * 60}@{LAUNCH - timedelta(hours=hours):%Y%m%dT%H%M}"


async def _build(emu: Emulator, server: Server, clock: FakeClock, db_url: str) -> Story:
    story = Story()
    guild, editor, member, manager = server.guild, server.editor, server.member, server.manager
    saved = await run(
        emu, guild, manager, "settings", "set", announce_channel=server.announcements,
        ping_role=server.pings, reminder_offsets="3h, 2h, 1h",
    )  # fmt: skip
    assert saved.content == "Settings saved.", saved.content
    imported = await answer_of(
        await emu.invoke_slash(guild, editor, "launch", subcommand="import-catalog")
    )
    assert "4 launches added" in (imported.content or ""), imported.content
    added = await run(
        emu, guild, editor, "launch", "add", device="Pixel 11", brand="Google",
        date="2027-03-10 19:30 Asia/Shanghai", status="confirmed",
    )  # fmt: skip
    story.launch = launch_id_of(added)
    rumor = await run(
        emu, guild, member, "rumor", "add", launch=story.launch, about="feature",
        feature="Tensor G6", present="yes", source_kind="leaker", author="Mystic Leaks",
    )  # fmt: skip
    assert not rumor.ephemeral, rumor.content
    month = await run(emu, guild, editor, "launch", "add", device="Galaxy S27",
                      brand="Samsung", date="April 2027")  # fmt: skip
    gone = await run(emu, guild, editor, "launch", "add", device="Nothing Phone 4",
                     brand="Nothing", date="2027-06-01")  # fmt: skip
    story.removed = int(launch_id_of(gone))
    prompt = await run(emu, guild, editor, "launch", "remove", launch=str(story.removed))
    assert prompt.message is not None, prompt.content
    confirm = await emu.click_button(prompt.message, editor, button_id(prompt.message, "Remove it"))
    removed = await confirm.wait_response()
    assert "Removed" in str(removed.content) + str(removed.embeds), removed

    story.poll = await create_poll(emu, server, story.launch)
    for who, answer in ((member, "Yes"), (manager, "No"), (editor, "Yes")):
        assert (await click(emu, story.poll, who, answer)).content == f"You voted **{answer}**."
    await until(emu, lambda: tally(story.poll) == {"Yes": 2, "No": 1}, "the tally 2 to 1")
    board = await run(emu, guild, member, "poll", "leaderboard")  # kept: a poll_boards row
    assert board.embeds or board.content, board

    for who in (member, manager):
        subscribed = await run(emu, guild, who, "subscribe", launch=story.launch)
        assert subscribed.ephemeral and "DM" in (subscribed.content or ""), subscribed.content
    member.user.accepts_dms = False  # the member's DM fails: a notice waits for them
    clock.now = LAUNCH - timedelta(hours=3)
    await until(emu, lambda: len(_channel_posts(emu, server)) == 1, "the 3 h reminder")
    await until(emu, lambda: len(_dms(emu, manager)) == 1, "the manager's 3 h DM")
    await _settled(db_url, f"user:{member.id}", _reminder(3), "failed")

    story.upcoming = (await run(emu, guild, editor, "launch", "upcoming")).embeds
    story.infos = {}
    for launch in (story.launch, launch_id_of(month), "1"):
        info = await run(emu, guild, editor, "launch", "info", launch=launch)
        story.infos[launch] = info.embeds
    assert "Tensor G6" in str(story.infos[story.launch])
    return story


async def test_a_copied_database_shows_the_same_calendar_polls_votes_and_posts(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str, other_db_url: str
) -> None:
    clock = FakeClock(START)
    source = await launch_bot(clock, **FAST)
    story = await _build(emu, server, clock, db_url)
    await source.stop()
    listings = [("posts", "list", "--guild", str(server.guild.id), "--limit", "1000"),
                ("launches", "list", "--guild", str(server.guild.id), "--all")]  # fmt: skip
    before = [await _launchbot(db_url, *args) for args in listings]

    code, out, err = await _launchbot(db_url, "db", "copy", "--to", other_db_url)
    assert code == 0, err
    copied = {line.split()[0]: int(line.split()[1]) for line in out.splitlines()[2:-1]}
    assert list(copied) == [t.name for t in Base.metadata.sorted_tables]
    empty = [name for name, rows in copied.items() if rows == 0]
    assert empty == [], f"the story leaves {empty} empty: their copy is not proven"
    assert [await _launchbot(other_db_url, *args) for args in listings] == before
    assert "pending" in before[0][1]

    target = await start_bot(emu, other_db_url, clock, **FAST)
    try:
        await _the_same_server(emu, server, clock, story, other_db_url)
    finally:
        await target.stop()


async def _the_same_server(
    emu: Emulator, server: Server, clock: FakeClock, story: Story, url: str
) -> None:
    guild, editor, member, manager = server.guild, server.editor, server.member, server.manager
    assert (await run(emu, guild, editor, "launch", "upcoming")).embeds == story.upcoming
    for launch, embeds in story.infos.items():
        assert (await run(emu, guild, editor, "launch", "info", launch=launch)).embeds == embeds

    told = await emu.invoke_slash(guild, member, "subscriptions")
    notice = await told.wait_followup()
    assert notice.ephemeral and notice.content.startswith(DM_NOTICE)

    latecomer = emu.state.add_member(guild, "latecomer")
    assert (await click(emu, story.poll, latecomer, "No")).content == "You voted **No**."
    await until(emu, lambda: tally(story.poll) == {"Yes": 2, "No": 2}, "the tally 2 to 2")
    assert (await click(emu, story.poll, manager, "My vote")).content == "Your vote: **No**."

    added = await run(emu, guild, editor, "launch", "add", device="Pixel 11a", brand="Google")
    assert int(launch_id_of(added)) == story.removed + 1  # the removed launch's id stays unused

    clock.now = LAUNCH - timedelta(hours=2)
    await until(emu, lambda: len(_channel_posts(emu, server)) == 2, "the 2 h reminder")
    await until(emu, lambda: len(_dms(emu, manager)) == 2, "the manager's 2 h DM")
    await _settled(url, "channel", _reminder(2), "sent")
    await _settled(url, f"user:{manager.id}", _reminder(2), "sent")
    clock.now = LAUNCH - timedelta(hours=1)
    await until(emu, lambda: len(_channel_posts(emu, server)) == 3, "the 1 h reminder")
    await until(emu, lambda: len(_dms(emu, manager)) == 3, "the manager's 1 h DM")
    clock.now = LAUNCH + timedelta(seconds=5)
    await until(emu, lambda: "**Closed**" in str(story.poll.embeds), "the poll's close")
    await until(emu, lambda: len(_channel_posts(emu, server)) == 4, "the launch post")
    await until(emu, lambda: len(_dms(emu, manager)) == 4, "the manager's DMs")
    await asyncio.sleep(0.3)  # long enough for a second copy of any post to show up
    assert len(_channel_posts(emu, server)) == 4 and len(_dms(emu, manager)) == 4
    poll_id = poll_id_of(story.poll)
    close = [((await close_posts(url, poll_id))[0][0], "sent")]  # its one close, sent once
    assert await close_posts_when(url, poll_id, close) == close
    assert tally(story.poll) == {"Yes": 2, "No": 2}
