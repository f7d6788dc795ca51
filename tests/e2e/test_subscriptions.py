"""Members' own reminders through the real bot and the emulator, on a clock the test moves:
/subscribe to a launch or a brand and the "Remind me" button bring the launch's reminders by DM,
once each; /unsubscribe and "Stop reminding me" end them; the button works after a restart and
refuses a forged or another server's custom_id; a member whose DMs are closed is told once and
unsubscribed after three failures in a row, while everyone else's posts go out as usual."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import Post
from tests.e2e.calendar_helpers import button_id, launch_id_of, run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.emulator import CallbackRecord, Emulator, Member, MessageRecord
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
LAUNCH = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
FAST = {"LAUNCHBOT_POSTS_SWEEP_SECONDS": "0.05"}
STAMP = int(LAUNCH.timestamp())
HOUR_BEFORE = f"⏰ **Xiaomi 12** launches <t:{STAMP}:R> (<t:{STAMP}:F>) · confirmed"
WHY = "-# You asked for this reminder. `/unsubscribe` in the server stops it."
PING = re.compile(r"^<@&[0-9]+> ")
STALE = "This button no longer works."


async def _settings(emu: Emulator, server: Server, **options: object) -> None:
    saved = await run(emu, server.guild, server.manager, "settings", "set", **options)
    assert saved.content == "Settings saved.", saved.content


async def _add(
    emu: Emulator, server: Server, device: str = "Xiaomi 12", status: str = "confirmed"
) -> str:
    added = await run(
        emu, server.guild, server.editor, "launch", "add", device=device, brand="Xiaomi",
        date="2027-03-10 19:30 Asia/Shanghai", status=status,
    )  # fmt: skip
    assert not added.ephemeral, added.content
    return launch_id_of(added)


def _dms(emu: Emulator, who: Member) -> list[MessageRecord]:
    return emu.channel_messages(emu.state.dm_channel(who.user))


def _channel_posts(emu: Emulator, server: Server) -> list[MessageRecord]:
    return [
        m
        for m in emu.channel_messages(server.announcements)
        if PING.sub("", m.content).startswith(("⏰", "🚀"))
    ]


async def _until(emu: Emulator, done: Callable[[], bool], what: str = "the posts") -> None:
    await emu.message_store.notifier.wait_for(
        lambda: True if done() else None, 15.0, lambda: f"{what} did not arrive in 15 s"
    )


States = dict[tuple[str, str, str], str]


async def _post_states(db_url: str) -> States:
    """Each post's state (and reason) by its subject, moment and target."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Post.subject, Post.key, Post.target, Post.state, Post.reason)
            )
            return {
                (subject, key, target): f"{getattr(state, 'value', state)}"
                + (f": {reason}" if reason else "")
                for subject, key, target, state, reason in rows
            }
    finally:
        await engine.dispose()


async def _settled(db_url: str, done: Callable[[States], bool]) -> None:
    """Waits until the posts' states are ``done`` (at most 15 s: a fifth message within 5 s in
    one channel waits for Discord's rate limit to reset)."""
    states: States = {}
    try:
        async with asyncio.timeout(15):
            while True:
                states = await _post_states(db_url)
                if done(states):
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"the posts did not settle: {states}") from None


async def _click(emu: Emulator, message: MessageRecord | None, who: Member, label: str) -> str:
    assert message is not None
    reply = await (await emu.click_button(message, who, button_id(message, label))).wait_response()
    assert reply.ephemeral, reply.content
    return reply.content


async def test_subscribers_by_command_and_by_button_get_each_reminder_once_by_dm(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(
        emu, server, announce_channel=server.announcements, ping_role=server.pings,
        reminder_offsets="1h",
    )  # fmt: skip
    launch = await _add(emu, server)
    by_command = await run(emu, server.guild, server.member, "subscribe", launch=launch)
    assert by_command.ephemeral
    assert by_command.content == "🔔 You'll get reminders for **Xiaomi 12** by DM."
    brand_too = await run(emu, server.guild, server.member, "subscribe", brand="xiaomi")
    assert brand_too.content == "🔔 You'll get reminders for every **Xiaomi** launch by DM."
    card = await run(emu, server.guild, server.manager, "launch", "info", launch=launch)
    clicked = await _click(emu, card.message, server.manager, "Remind me")
    assert clicked == "🔔 You'll get reminders for **Xiaomi 12** by DM."
    again = await _click(emu, card.message, server.manager, "Remind me")
    assert again == "You already get reminders for **Xiaomi 12** by DM."
    listed = await run(emu, server.guild, server.member, "subscriptions")
    assert listed.ephemeral
    assert listed.embeds[0]["description"].splitlines()[0] == "Every **Xiaomi** launch"
    assert f"`#{launch}` **Xiaomi 12**" in listed.embeds[0]["description"]

    clock.now = LAUNCH - timedelta(hours=1)
    await _until(emu, lambda: bool(_dms(emu, server.member) and _dms(emu, server.manager)))
    await _until(emu, lambda: bool(_channel_posts(emu, server)))
    await asyncio.sleep(0.3)  # long enough for a duplicate to show up
    for who in (server.member, server.manager):
        dms = _dms(emu, who)
        assert [m.content for m in dms] == [f"{HOUR_BEFORE}\n{WHY}"]  # once, though by two ways
        assert dms[0].pings.nobody
    channel = _channel_posts(emu, server)  # the channel's post pings the role; no DM does
    assert [m.content for m in channel] == [f"<@&{server.pings.id}> {HOUR_BEFORE}"]
    assert _dms(emu, server.editor) == []

    clock.now = LAUNCH + timedelta(seconds=5)
    await _until(emu, lambda: len(_dms(emu, server.member)) == 2)
    assert _dms(emu, server.member)[1].content.startswith("🚀 **Xiaomi 12** launches now")
    await _settled(db_url, lambda s: sorted(s.values()) == ["sent"] * 6)


async def test_a_brand_subscription_covers_a_new_launch_even_with_no_announce_channel(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server, reminder_offsets="1h")
    await _add(emu, server, device="Xiaomi 11")
    subscribed = await run(emu, server.guild, server.member, "subscribe", brand="Xiaomi")
    assert subscribed.content == "🔔 You'll get reminders for every **Xiaomi** launch by DM."
    await _add(emu, server)  # a launch of the brand added after the subscription
    clock.now = LAUNCH - timedelta(hours=1)
    await _until(emu, lambda: len(_dms(emu, server.member)) == 2)
    contents = sorted(m.content for m in _dms(emu, server.member))
    assert contents[0].startswith("⏰ **Xiaomi 11** launches") and contents[1] == (
        f"{HOUR_BEFORE}\n{WHY}"
    )
    await _settled(db_url, lambda s: list(s.values()).count("sent") == 2)
    states = await _post_states(db_url)
    skipped = [t for (_, _, t), s in states.items() if s == "skipped: no announce channel"]
    assert skipped == ["channel", "channel"]  # the two reminders; the DMs went out all the same
    unknown = await run(emu, server.guild, server.member, "subscribe", brand="Nokia")
    assert unknown.ephemeral and unknown.content.startswith('There is no brand "Nokia"')


async def test_unsubscribing_stops_the_dms_but_not_the_channel_post(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    await _settings(emu, server, announce_channel=server.announcements, reminder_offsets="1h")
    launch = await _add(emu, server)
    await run(emu, server.guild, server.member, "subscribe", brand="Xiaomi")
    gone = await run(emu, server.guild, server.member, "unsubscribe", brand="Xiaomi")
    assert gone.content == "🔕 You'll no longer get reminders for every **Xiaomi** launch."
    card = await run(emu, server.guild, server.manager, "launch", "info", launch=launch)
    await _click(emu, card.message, server.manager, "Remind me")
    prompt = emu.messages[-1]
    assert await _click(emu, prompt, server.manager, "Stop reminding me") == (
        "🔕 You'll no longer get reminders for **Xiaomi 12**."
    )
    none = await run(emu, server.guild, server.member, "unsubscribe", launch=launch)
    assert none.content == "You weren't subscribed to **Xiaomi 12**."
    listed = await run(emu, server.guild, server.manager, "subscriptions")
    assert listed.embeds[0]["description"].startswith("None yet.")
    clock.now = LAUNCH - timedelta(hours=1)
    await _until(emu, lambda: bool(_channel_posts(emu, server)))
    await asyncio.sleep(0.3)
    assert _dms(emu, server.member) == [] and _dms(emu, server.manager) == []
    assert [t for _, _, t in await _post_states(db_url)] == ["channel", "channel"]


async def test_the_remind_me_button_on_cards_and_notices_works_after_a_restart(
    emu: Emulator, server: Server, launch_bot: StartBot
) -> None:
    clock = FakeClock(START)
    first = await launch_bot(clock, **FAST)
    await _settings(emu, server, announce_channel=server.announcements, reminder_offsets="1h")
    launch = await _add(emu, server, status="rumored")
    confirmed = await run(
        emu, server.guild, server.editor, "launch", "confirm", launch=launch,
        date="2027-03-10 19:30 Asia/Shanghai",
    )  # fmt: skip
    await _until(emu, lambda: bool(emu.channel_messages(server.announcements)), "the notice")
    notice = emu.channel_messages(server.announcements)[-1]
    assert "Xiaomi 12" in notice.content
    await first.stop()
    await launch_bot(clock, **FAST)
    assert await _click(emu, notice, server.member, "Remind me") == (
        "🔔 You'll get reminders for **Xiaomi 12** by DM."
    )
    assert await _click(emu, confirmed.message, server.manager, "Remind me") == (
        "🔔 You'll get reminders for **Xiaomi 12** by DM."
    )
    clock.now = LAUNCH - timedelta(hours=1)
    await _until(emu, lambda: bool(_dms(emu, server.member) and _dms(emu, server.manager)))
    assert _dms(emu, server.member)[0].content == f"{HOUR_BEFORE}\n{WHY}"


@pytest.mark.parametrize(
    ("forge", "answer"),
    [
        (lambda guild, other, launch: f"lb:remind:{other}:{launch}", "another server"),
        (lambda guild, other, launch: f"lb:unremind:{other}:{launch}", "another server"),
        (lambda guild, other, launch: f"lb:remind:{guild}:999999", "no launch #999999"),
        (lambda guild, other, launch: f"lb:remind:{guild}:0", "Pick a launch"),
        (lambda guild, other, launch: f"lb:remind:{guild}:{launch}x", STALE),
        (lambda guild, other, launch: f"lb:remind:{guild}", STALE),
    ],
)
async def test_a_forged_or_other_servers_button_is_refused(
    emu: Emulator,
    server: Server,
    launch_bot: StartBot,
    db_url: str,
    forge: Callable[[int, int, str], str],
    answer: str,
) -> None:
    await launch_bot(FakeClock(START), **FAST)
    launch = await _add(emu, server)
    card = await run(emu, server.guild, server.member, "launch", "info", launch=launch)
    assert card.message is not None
    custom_id = forge(server.guild.id, server.other.id, launch)
    button = card.message.find_component(button_id(card.message, "Remind me"))
    assert button is not None
    button["custom_id"] = custom_id  # as a modified client would send it
    reply: CallbackRecord = await (
        await emu.click_button(card.message, server.member, custom_id)
    ).wait_response()
    assert reply.ephemeral and answer in reply.content, reply.content
    listed = await run(emu, server.guild, server.member, "subscriptions")
    assert listed.embeds[0]["description"].startswith("None yet.")


async def test_closed_dms_are_told_once_and_unsubscribed_after_three_failures(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    running = await launch_bot(clock, **FAST)
    await _settings(
        emu, server, announce_channel=server.announcements, reminder_offsets="3h, 2h, 1h"
    )
    launch = await _add(emu, server)
    for who in (server.member, server.manager):
        await run(emu, server.guild, who, "subscribe", launch=launch)
    server.member.user.accepts_dms = False  # DMs closed: Discord answers 403, code 50007

    async def reminder(hours: int, count: int) -> None:
        clock.now = LAUNCH - timedelta(hours=hours)
        await _until(emu, lambda: len(_dms(emu, server.manager)) == count, "the manager's DMs")
        await _until(emu, lambda: len(_channel_posts(emu, server)) == count)
        key = f"reminder:{hours * 60}@{LAUNCH - timedelta(hours=hours):%Y%m%dT%H%M}"
        failed = "failed: Discord answered 403 (code 50007)"
        target = f"user:{server.member.id}"
        await _settled(db_url, lambda s: s.get((f"launch:{launch}", key, target)) == failed)

    await reminder(3, 1)
    await running.stop()  # the notice waits in the database, not only in the process
    running = await launch_bot(clock, **FAST)
    first = await emu.invoke_slash(server.guild, server.member, "launch", subcommand="upcoming")
    notice = await first.wait_followup()
    assert notice.ephemeral and notice.content.startswith(
        "📭 I couldn't send you a reminder by DM: your direct messages seem closed to me."
    )
    await running.stop()
    running = await launch_bot(clock, **FAST)
    second = await emu.invoke_slash(server.guild, server.member, "subscriptions")
    assert "Xiaomi 12" in (await second.wait_response()).embeds[0]["description"]
    await reminder(2, 2)
    await asyncio.sleep(0.3)
    assert second.followups == []  # told once, not at every interaction or every failure
    await reminder(1, 3)
    third = await emu.invoke_slash(server.guild, server.member, "subscriptions")
    assert (await third.wait_response()).embeds[0]["description"].startswith("None yet.")
    told = await third.wait_followup()
    assert told.ephemeral and told.content.startswith(
        "📭 I couldn't send you your reminders by DM 3 times in a row, so I unsubscribed you."
    )
    clock.now = LAUNCH + timedelta(seconds=5)
    await _until(emu, lambda: len(_dms(emu, server.manager)) == 4, "the manager's DMs")
    await _until(emu, lambda: len(_channel_posts(emu, server)) == 4)
    states = await _post_states(db_url)
    assert sorted(t for (_, k, t) in states if k.startswith("launch:")) == [
        "channel", f"user:{server.manager.id}",
    ]  # fmt: skip
    assert _dms(emu, server.member) == []
    shown = await run(emu, server.guild, server.manager, "settings", "show")
    problems = [f["value"] for f in shown.embeds[0]["fields"] if f["name"] == "Latest problems"]
    assert not any("50007" in p for p in problems), problems  # the member's to fix, not admins'
