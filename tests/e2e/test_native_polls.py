"""Native polls through the real bot and the emulator, on a clock the test moves: posted as a
Discord poll (the payload as Discord gets it), voted on by members in Discord, ended at the
launch time with the votes read back into the database, and a close taken up again after a
crash storing every vote once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import PollVote
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.e2e.native_poll_helpers import (
    EXPIRE,
    VOTERS,
    as_if_crashed,
    close_post,
    create_native,
    poll_request,
    posted,
    requests_for,
    until_db,
)
from tests.e2e.poll_helpers import FAST, add_launch, click_stale, stored, until
from tests.emulator import Emulator
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
LAUNCH = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
HOURS = 216  # 8 days 23.5 hours, rounded up
LEICA = "Will the Leica collaboration appear on the Xiaomi 12 Ultra?"
ANSWERS = ["Leica", "Hasselblad", "Only in China"]


async def test_a_native_poll_is_posted_voted_on_in_discord_and_read_back_at_the_launch(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    member, manager, editor = server.member, server.manager, server.editor
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai", partner="Leica")
    message, poll_id = await create_native(
        emu, server, launch, question=LEICA, answers=" | ".join(ANSWERS), multiple=True
    )
    sent = poll_request(emu, message)
    assert sent["question"] == {"text": LEICA}
    assert [a["poll_media"]["text"] for a in sent["answers"]] == ANSWERS
    assert (sent["duration"], sent["allow_multiselect"]) == (HOURS, True)
    assert message.embeds == [] and message.components == []
    assert message.allowed_mentions == {"parse": []}
    assert f"📊 Poll #{poll_id} about **Xiaomi 12 Ultra**" in (message.content or "")
    assert "whole hours" in (message.content or "")
    row = await until_db(
        lambda: posted(db_url, poll_id), "the poll's message id stored within 15 s"
    )
    assert (row.native, row.channel_id, row.message_id) == (True, message.channel_id, message.id)

    channel = message.channel_id
    await emu.vote_native_poll(channel, message.id, member, [1, 3])
    await emu.vote_native_poll(channel, message.id, manager, 2)
    await emu.vote_native_poll(channel, message.id, editor, 1)
    await emu.vote_native_poll(channel, message.id, editor, 3)  # changed in Discord's client
    forged = await click_stale(emu, message, member, f"lb:pv:{server.guild.id}:{poll_id}:0")
    assert forged.ephemeral and forged.content == "This is a Discord poll: vote in the poll itself."
    assert (await stored(db_url, poll_id)) == ("open", [])  # nothing is counted before the end

    clock.now = LAUNCH
    await emu.wait_for_request("POST", EXPIRE, status=200)
    await until(emu, lambda: message.poll_finalized, "the poll ended on Discord")
    await until_db(
        lambda: close_post(db_url, poll_id, lambda p: p[0] == "sent"),
        "the close post marked sent within 15 s",
    )
    votes = sorted(
        [
            (member.user.id, 0b101, None),
            (manager.user.id, 0b010, None),
            (editor.user.id, 0b100, None),
        ]
    )
    assert await stored(db_url, poll_id) == ("closed", votes)
    assert len(requests_for(emu, VOTERS, message)) == 3  # one page per answer with votes
    result = await emu.wait_for_message(lambda m: m.type == 46)  # Discord's own result post
    assert result.message_reference and int(result.message_reference["message_id"]) == message.id


async def test_a_native_close_taken_up_again_stores_each_vote_once(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    """First the read fails (Discord answers 503) after the poll was ended: the retry, after a
    restart, finds it ended (520001) and reads it. Then the close is taken up once more, as
    after a crash between storing the votes and marking the post sent: same rows, once each."""
    clock = FakeClock(START)
    bot = await launch_bot(clock, **FAST)
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai", partner="Leica")
    message, poll_id = await create_native(emu, server, launch)
    await until_db(lambda: posted(db_url, poll_id), "the poll's message id stored")
    await emu.vote_native_poll(message.channel_id, message.id, server.member, 1)
    await emu.vote_native_poll(message.channel_id, message.id, server.manager, 2)
    emu.faults.fail_next("GET", VOTERS, count=1, status=503)

    clock.now = LAUNCH
    await emu.wait_for_request("GET", VOTERS, status=503)
    await until_db(
        lambda: close_post(db_url, poll_id, lambda p: p == ("pending", 1)),
        "the close planned again after Discord's 503",
    )
    assert message.poll_finalized and await stored(db_url, poll_id) == ("closed", [])
    await bot.stop()

    bot = await launch_bot(clock, **FAST)
    clock.now = LAUNCH + timedelta(minutes=1)  # past the retry's backoff
    await emu.wait_for_request("POST", EXPIRE, status=400)  # ended already: 520001
    await until_db(
        lambda: close_post(db_url, poll_id, lambda p: p[0] == "sent"),
        "the retried close marked sent",
    )
    votes = sorted([(server.member.user.id, 0b01, None), (server.manager.user.id, 0b10, None)])
    assert await stored(db_url, poll_id) == ("closed", votes)
    first = await _vote_rows(db_url, poll_id)
    await bot.stop()

    ended_already = len(emu.requests_matching("POST", EXPIRE, status=400))
    await as_if_crashed(db_url, poll_id, lease_ran_out=LAUNCH)
    clock.now = LAUNCH + timedelta(minutes=2)  # a row written again would say so
    await launch_bot(clock, **FAST)
    await emu.wait_for_request("POST", EXPIRE, status=400, count=ended_already + 1)
    await until_db(
        lambda: close_post(db_url, poll_id, lambda p: p[0] == "sent"),
        "the close taken up again marked sent",
    )
    assert await stored(db_url, poll_id) == ("closed", votes)
    assert await _vote_rows(db_url, poll_id) == first  # not written again: same cast times


async def _vote_rows(db_url: str, poll_id: int) -> list[tuple[object, ...]]:
    """Every column that a second write would change."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(PollVote.user_id, PollVote.choices, PollVote.cast_at, PollVote.updated_at)
                .where(PollVote.poll_id == poll_id)
                .order_by(PollVote.user_id)
            )
            return [tuple(r) for r in rows]
    finally:
        await engine.dispose()
