"""A poll's whole life through the real bot and the emulator, on a clock the test moves: created
about a launch, voted on, votes changed, results hidden until the close, the bot restarted in
the middle with every button still working, closed when the launch happens (once), or early by
an editor."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

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
    edits_of,
    enabled_labels,
    poll_id_of,
    stored,
    tally,
    until,
)
from tests.emulator import Emulator, MessageRecord
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
LAUNCH = datetime(2027, 3, 10, 11, 30, tzinfo=UTC)
STAMP = int(LAUNCH.timestamp())
LEICA = "Will the Leica collaboration appear on the Xiaomi 12 Ultra?"


async def _open_polls(emu: Emulator, server: Server, typed: str) -> list[str]:
    handle = await emu.invoke_autocomplete(
        server.guild, server.editor, "poll", subcommand="close", focused="poll",
        options={"poll": typed},
    )  # fmt: skip
    return [str(c["value"]) for c in (await handle.wait_response()).choices]


async def _how_sure(
    emu: Emulator, message: MessageRecord, who: object, label: str, sure: str
) -> str:
    prompt = await click(emu, message, who, label)  # type: ignore[arg-type]
    assert prompt.ephemeral and prompt.message is not None, prompt.content
    assert prompt.content == f"How sure are you of **{label}**?"
    select = prompt.message.components[0]["components"][0]
    picked = await (
        await emu.select(prompt.message, who, select["custom_id"], [sure])  # type: ignore[arg-type]
    ).wait_response()
    assert picked.ephemeral
    return str(picked.content)


async def test_a_poll_from_creation_to_its_close_when_the_launch_happens(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    bot = await launch_bot(clock, **FAST)
    member, manager, editor = server.member, server.manager, server.editor
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai", partner="Leica")
    open_ = await create_poll(emu, server, launch)
    assert description(open_).split("\n")[:3] == [
        f"**{LEICA}**",
        "About **Xiaomi 12 Ultra**",
        f"Closes <t:{STAMP}:R> (<t:{STAMP}:f>) (when the launch happens)",
    ]
    assert enabled_labels(open_) == ["Yes", "No", "My vote"]
    assert open_.allowed_mentions == {"parse": []}
    hidden = await create_poll(
        emu, server, launch, question="Will it ship with a 1-inch sensor?",
        answers="Yes | No | Only in China", hidden=True, confidence=True,
    )  # fmt: skip
    assert "Results hidden until the poll closes" in description(hidden)

    assert (await click(emu, open_, member, "Yes")).content == "You voted **Yes**."
    assert (await click(emu, open_, manager, "No")).content == "You voted **No**."
    changed = await click(emu, open_, member, "No")
    assert changed.ephemeral and changed.content == "You voted **No**."
    await until(emu, lambda: tally(open_) == {"Yes": 0, "No": 2}, "the tally: 0 Yes, 2 No")
    assert await _how_sure(emu, hidden, member, "Yes", "80") == "You voted **Yes**, 80 % sure."
    await until(emu, lambda: "1 vote so far" in description(hidden), "the hidden poll's count")
    assert tally(hidden) == {}
    mine = await click(emu, hidden, member, "My vote")
    assert mine.ephemeral and mine.content == "Your vote: **Yes**, 80 % sure."

    await bot.stop()
    await launch_bot(clock, **FAST)
    sure = await _how_sure(emu, hidden, editor, "Only in China", "90")
    assert sure == "You voted **Only in China**, 90 % sure."
    assert (await click(emu, open_, member, "My vote")).content == "Your vote: **No**."
    assert (
        await click(emu, open_, editor, "My vote")
    ).content == "You have not voted on this poll."
    await until(emu, lambda: "2 votes so far" in description(hidden), "the count after a restart")

    clock.now = LAUNCH
    for message in (open_, hidden):
        await until(emu, lambda m=message: "**Closed**" in description(m), "the close")  # type: ignore[misc]
        assert enabled_labels(message) == ["My vote"]
    assert tally(open_) == {"Yes": 0, "No": 2}
    assert tally(hidden) == {"Yes": 1, "No": 0, "Only in China": 1}
    late = await click_stale(emu, open_, member, f"lb:pv:{server.guild.id}:{poll_id_of(open_)}:0")
    assert late.ephemeral and late.content == (
        f"Poll #{poll_id_of(open_)} is closed: votes are no longer taken."
    )
    votes = sorted([(manager.user.id, 0b10, None), (member.user.id, 0b10, None)])
    assert await stored(db_url, poll_id_of(open_)) == ("closed", votes)
    edits = edits_of(emu, hidden)
    await asyncio.sleep(0.5)  # a second close, or an edit after it, would show up by now
    assert edits_of(emu, hidden) == edits
    for message in (open_, hidden):

        async def recorded(poll_id: int = poll_id_of(message)) -> list[tuple[str, str]] | None:
            posts = await close_posts(db_url, poll_id)  # marked sent once the edit is answered
            return None if any(state == "sending" for _, state in posts) else posts

        assert await until_db(recorded, "the close recorded") == [("close@20270310T1130", "sent")]


async def test_an_editor_closes_a_poll_early_and_only_editors_may(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    launch = await add_launch(emu, server, date="Q2 2027")
    poll = await create_poll(
        emu, server, launch, answers="Leica | Hasselblad | Zeiss", multiple=True,
        hidden=True, closes="2027-04-01 10:00",
    )  # fmt: skip
    poll_id = poll_id_of(poll)
    assert (await click(emu, poll, server.member, "Leica")).content == "You voted **Leica**."
    both = await click(emu, poll, server.member, "Zeiss")
    assert both.content == "You voted **Leica**, **Zeiss**."
    back = await click(emu, poll, server.member, "Leica")
    assert back.content == "You voted **Zeiss**."

    assert await _open_polls(emu, server, "camera") == []  # the question is the default one
    assert await _open_polls(emu, server, "launch on") == [str(poll_id)]

    refused = await run(emu, server.guild, server.member, "poll", "close", poll=str(poll_id))
    assert refused.ephemeral and "Closing polls needs the Manage Events permission" in (
        refused.content or ""
    )
    closed = await run(emu, server.guild, server.editor, "poll", "close", poll=str(poll_id))
    assert not closed.ephemeral and closed.content == f"editor closed poll #{poll_id} early."
    await until(emu, lambda: "**Closed**" in description(poll), "the early close")
    assert tally(poll) == {"Leica": 0, "Hasselblad": 0, "Zeiss": 1}
    assert enabled_labels(poll) == ["My vote"]
    again = await run(emu, server.guild, server.editor, "poll", "close", poll=str(poll_id))
    assert again.ephemeral and again.content == f"Poll #{poll_id} is closed already."
    assert await close_posts(db_url, poll_id) == [("close@20270401T1000", "cancelled")]
    state, votes = await stored(db_url, poll_id)
    assert (state, votes) == ("closed", [(server.member.user.id, 0b100, None)])
