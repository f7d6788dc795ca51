"""What a native poll may not be, each refused with a sentence and nothing created; the longest
one Discord takes (32 days); and an editor ending one early with /poll close."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.calendar_helpers import run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.e2e.native_poll_helpers import (
    EXPIRE,
    count_polls,
    create_native,
    poll_request,
    posted,
    until_db,
)
from tests.e2e.poll_helpers import FAST, add_launch, stored, tally
from tests.emulator import Emulator, Perm
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)


async def test_native_polls_refuse_what_discord_cannot_do_and_create_nothing(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    await launch_bot(FakeClock(START), **FAST)
    launch = await add_launch(emu, server, date="Q3 2027")
    sent_before = len(emu.channel_messages(server.general))

    async def refused(**options: object) -> str:
        answer = await run(
            emu, server.guild, server.editor, "poll", "create", launch=launch, native=True,
            **options,
        )  # fmt: skip
        assert answer.ephemeral, answer.content
        return str(answer.content)

    too_long = await refused(closes="2027-04-02 12:01 UTC")
    assert "at most 32 days (768 hours, Discord's limit)" in too_long
    assert "this one would close in 32.0 days" in too_long
    assert "cannot ask how sure members are" in await refused(closes="2027-03-20", confidence=True)
    assert "cannot hide its results: Discord shows them live" in await refused(
        closes="2027-03-20", hidden=True
    )
    eleven = " | ".join(f"Answer {n}" for n in range(1, 12))
    assert "2 to 10 answers" in await refused(closes="2027-03-20", answers=eleven)
    assert "55" in await refused(closes="2027-03-20", answers="Yes | " + "x" * 56)

    closed = emu.state.add_channel(
        server.guild, "no-polls",
        overwrites={emu.state.bot_member(server.guild): (0, Perm.SEND_POLLS)},
    )  # fmt: skip
    handle = await emu.invoke_slash(
        server.guild, server.editor, "poll", subcommand="create", channel=closed,
        options={"launch": launch, "native": True, "closes": "2027-03-20"},
    )  # fmt: skip
    no_permission = await handle.wait_response()
    assert no_permission.ephemeral and (no_permission.content or "").startswith(
        "I need the Send Polls permission in this channel to post a Discord poll"
    )
    assert await count_polls(db_url) == 0
    assert len(emu.channel_messages(server.general)) == sent_before
    assert emu.channel_messages(closed) == []


async def test_the_longest_native_poll_and_an_editor_ending_one_early(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    await launch_bot(FakeClock(START), **FAST)
    launch = await add_launch(emu, server, date="Q3 2027")
    longest, _ = await create_native(emu, server, launch, closes="2027-04-02 12:00 UTC")
    assert poll_request(emu, longest)["duration"] == 768
    assert "whole hours" not in (longest.content or "")  # exactly 32 days: nothing rounded

    message, poll_id = await create_native(
        emu, server, launch, question="Leica or Hasselblad?", answers="Leica | Hasselblad",
        closes="2027-03-05 09:15",
    )  # fmt: skip
    sent = poll_request(emu, message)
    assert (sent["duration"], sent["allow_multiselect"]) == (94, False)  # 93 h 15 min
    await until_db(lambda: posted(db_url, poll_id), "the poll's message id stored")
    await emu.vote_native_poll(message.channel_id, message.id, server.member, 2)
    await emu.vote_native_poll(message.channel_id, message.id, server.manager, 2)

    refused = await run(emu, server.guild, server.member, "poll", "close", poll=str(poll_id))
    assert refused.ephemeral and "Closing polls needs" in (refused.content or "")
    assert not message.poll_finalized
    closed = await run(emu, server.guild, server.editor, "poll", "close", poll=str(poll_id))
    assert not closed.ephemeral and closed.content == f"editor closed poll #{poll_id} early."
    assert closed.message is not None and tally(closed.message) == {"Leica": 0, "Hasselblad": 2}
    assert message.poll_finalized
    assert len(emu.requests_matching("POST", EXPIRE, status=200)) == 1
    member, manager = server.member.user.id, server.manager.user.id
    assert await stored(db_url, poll_id) == (
        "closed", sorted([(member, 0b10, None), (manager, 0b10, None)])
    )  # fmt: skip
