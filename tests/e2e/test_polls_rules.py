"""What polls refuse, and how their close follows the launch: forged, foreign, unknown and
closed clicks each get a sentence and record nothing; members cannot create polls; bad options
are refused; a poll that closes with its launch moves when the launch's date moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tests.e2e.calendar_helpers import run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.e2e.native_poll_helpers import until_db
from tests.e2e.poll_helpers import (
    FAST,
    add_launch,
    click,
    click_stale,
    close_posts,
    create_poll,
    description,
    poll_count,
    poll_id_of,
    stored,
    tally,
    until,
)
from tests.emulator import Emulator
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
FIRST = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
MOVED = datetime(2027, 3, 12, 11, 30, tzinfo=UTC)


async def test_forged_foreign_unknown_and_closed_clicks_are_refused(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    await launch_bot(FakeClock(START))
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai")
    poll = await create_poll(emu, server, launch)
    sure = await create_poll(emu, server, launch, question="How sure?", confidence=True)
    guild, poll_id = server.guild.id, poll_id_of(poll)
    elsewhere = await run(
        emu, server.other, server.outsider, "launch", "add", device="Pixel 10", brand="Google"
    )
    assert elsewhere.message is not None
    cases = {
        f"lb:pv:{guild}:{poll_id}:0": (elsewhere.message, "This poll belongs to another server."),
        f"lb:pv:{server.other.id}:{poll_id}:0": (
            elsewhere.message, f"There is no poll #{poll_id} in this server.",
        ),
        f"lb:pv:{guild}:{poll_id}:7": (poll, "This button does not match any answer of the poll."),
        f"lb:pv:{guild}:99999:0": (poll, "There is no poll #99999 in this server."),
        f"lb:pv:{guild}:0:0": (poll, "This button does not belong to any poll."),
        f"lb:pm:{server.other.id}:{poll_id}": (poll, "This poll belongs to another server."),
        f"lb:pv:{guild}:{poll_id}:1x": (poll, "This button no longer works."),
    }  # fmt: skip
    for custom_id, (message, expected) in cases.items():
        who = server.outsider if message is elsewhere.message else server.member
        refused = await click_stale(emu, message, who, custom_id)
        assert refused.ephemeral and (refused.content or "").startswith(expected), custom_id

    prompt = await click(emu, sure, server.member, "Yes")
    assert prompt.message is not None
    select = prompt.message.components[0]["components"][0]
    select["options"].append({"label": "55 % sure", "value": "55"})  # a modified client's
    odd = await (
        await emu.select(prompt.message, server.member, select["custom_id"], ["55"])
    ).wait_response()
    assert odd.ephemeral and (odd.content or "").startswith("Say how sure you are: one of 50 %")

    closed = await run(emu, server.guild, server.editor, "poll", "close", poll=str(poll_id))
    assert not closed.ephemeral
    late = await click_stale(emu, poll, server.member, f"lb:pv:{guild}:{poll_id}:1")
    assert (
        late.ephemeral and late.content == f"Poll #{poll_id} is closed: votes are no longer taken."
    )
    assert await stored(db_url, poll_id) == ("closed", [])
    assert await stored(db_url, poll_id_of(sure)) == ("open", [])


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"answers": "Yes"}, "A poll takes 2 to 10 answers"),
        ({"answers": "Yes | yes"}, 'The answer "Yes" is given twice'),
        ({"multiple": True, "confidence": True}, "Confidence works with single-answer polls"),
        ({"closes": "Q3 2027"}, "A poll closes at a time or at the end of a day"),
        ({"closes": "2027-02-01 10:00"}, "has passed: a poll must close in the future"),
        ({"closes": "whenever"}, 'I don\'t recognise "whenever" in that date'),
        ({"launch": "abc"}, "Pick a launch from the suggestions"),
        ({"launch": "4242"}, "There is no launch #4242 in this server."),
    ],
)
async def test_bad_options_are_refused_and_create_nothing(
    emu: Emulator,
    server: Server,
    launch_bot: StartBot,
    db_url: str,
    options: dict[str, object],
    expected: str,
) -> None:
    await launch_bot(FakeClock(START))
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai")
    refused = await run(
        emu, server.guild, server.editor, "poll", "create", **{"launch": launch, **options}
    )
    assert refused.ephemeral and expected in (refused.content or ""), refused.content
    assert await poll_count(db_url) == 0


async def test_members_cannot_create_polls_and_a_vague_launch_needs_closes(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    await launch_bot(FakeClock(START))
    launch = await add_launch(emu, server, date="Q2 2027")
    refused = await run(emu, server.guild, server.member, "poll", "create", launch=launch)
    assert refused.ephemeral and (refused.content or "").startswith(
        "Creating polls needs the Manage Events permission"
    )
    vague = await run(emu, server.guild, server.editor, "poll", "create", launch=launch)
    assert vague.ephemeral and "is only dated Q2 2027" in (vague.content or "")
    assert "give closes" in (vague.content or "")
    assert await poll_count(db_url) == 0


async def test_the_close_moves_with_the_launch_and_happens_at_the_new_time(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai")
    poll = await create_poll(emu, server, launch)
    poll_id = poll_id_of(poll)
    assert f"Closes <t:{int(FIRST.timestamp())}:R>" in description(poll)
    moved = await run(
        emu, server.guild, server.editor, "launch", "confirm", launch=launch,
        date="2027-03-12 19:30 Asia/Shanghai",
    )  # fmt: skip
    assert not moved.ephemeral, moved.content
    stamp = int(MOVED.timestamp())
    await until(emu, lambda: f"Closes <t:{stamp}:R>" in description(poll), "the moved close")
    assert await close_posts(db_url, poll_id) == [
        ("close@20270310T1130", "cancelled"), ("close@20270312T1130", "pending"),
    ]  # fmt: skip
    clock.now = FIRST
    vote = await click(emu, poll, server.member, "Yes")  # still open at the old time
    assert vote.content == "You voted **Yes**."
    clock.now = MOVED
    await until(emu, lambda: "**Closed**" in description(poll), "the close at the new time")

    async def recorded() -> list[tuple[str, str]] | None:  # the post is marked sent after the edit
        posts = await close_posts(db_url, poll_id)
        return None if any(state == "sending" for _, state in posts) else posts

    assert await until_db(recorded, "the close recorded") == [
        ("close@20270310T1130", "cancelled"), ("close@20270312T1130", "sent"),
    ]  # fmt: skip


async def test_cancelling_the_launch_closes_its_poll(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    await launch_bot(FakeClock(START), **FAST)
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai")
    poll = await create_poll(emu, server, launch, hidden=True)
    await click(emu, poll, server.member, "No")
    cancelled = await run(emu, server.guild, server.editor, "launch", "cancel", launch=launch)
    assert not cancelled.ephemeral
    await until(emu, lambda: "**Closed**" in description(poll), "the close on cancelling")
    assert "No\n`████████████` 100 % · 1 vote" in description(poll)
    assert (await stored(db_url, poll_id_of(poll)))[0] == "closed"


async def test_a_deleted_poll_message_is_left_alone_and_votes_still_count(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    await launch_bot(FakeClock(START))
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai")
    poll = await create_poll(emu, server, launch)
    emu.message_store.delete(poll)  # a moderator removed it; a stale client still clicks
    route = "/channels/{channel_id}/messages/{message_id}"
    assert (await click(emu, poll, server.member, "Yes")).content == "You voted **Yes**."
    await emu.wait_for_request("PATCH", route, predicate=lambda r: r.status == 404, timeout=15)
    assert (await click(emu, poll, server.manager, "No")).content == "You voted **No**."
    await asyncio.sleep(2.5)  # past the next edit's turn: nothing more is sent
    assert len(emu.requests_matching("PATCH", route)) == 1
    assert len((await stored(db_url, poll_id_of(poll)))[1]) == 2


async def test_a_pending_tally_edit_is_made_when_the_bot_stops(
    emu: Emulator, server: Server, launch_bot: StartBot
) -> None:
    bot = await launch_bot(FakeClock(START))
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai")
    poll = await create_poll(emu, server, launch)
    await click(emu, poll, server.member, "Yes")
    await until(emu, lambda: tally(poll) == {"Yes": 1, "No": 0}, "the first edit")
    await click(emu, poll, server.manager, "No")  # its edit waits its turn, about 2 s
    await bot.stop()
    assert tally(poll) == {"Yes": 1, "No": 1}


async def test_the_question_and_answers_are_shown_as_typed_and_ping_nobody(
    emu: Emulator, server: Server, launch_bot: StartBot
) -> None:
    await launch_bot(FakeClock(START))
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai")
    poll = await create_poll(
        emu, server, launch, question="@everyone **Leica** <@&1234567890> [x](https://e.com)?",
        answers="# Yes | <@1234567890>",
    )  # fmt: skip
    shown = description(poll)
    assert "\\*\\*Leica\\*\\*" in shown and "\\[x](https://e.com)" in shown
    assert "@\u200beveryone" in shown and "\\<@&1234567890\\>" in shown
    assert "\\# Yes" in shown
    assert poll.pings.users == set() and poll.pings.roles == set() and not poll.pings.everyone
    voted = await click(emu, poll, server.member, "<@1234567890>")
    assert voted.content == "You voted **\\<@1234567890\\>**."
