"""The leaderboard and members' records through the real bot: ranked by the Brier score over the
server's resolved polls, members below the minimum counted apart, and a corrected outcome
re-ranking everyone at once (nothing is stored per member)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.calendar_helpers import launch_id_of, run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.e2e.poll_helpers import FAST, add_launch, click, poll_id_of
from tests.e2e.poll_result_helpers import posted_poll, resolve, standings, vote_sure
from tests.emulator import Emulator
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
CLOSES = "2027-04-01 10:00"


async def test_the_leaderboard_ranks_by_brier_and_follows_a_correction(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    fourth = emu.state.add_member(server.guild, "fourth")
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    member, manager, editor = server.member, server.manager, server.editor
    launch = await add_launch(emu, server, date="Q3 2027", partner="Leica")

    empty = await run(emu, server.guild, member, "poll", "leaderboard")
    assert not empty.ephemeral
    assert "No resolved predictions yet" in empty.embeds[0]["description"]

    sure = await posted_poll(emu, server, db_url, launch, confidence=True, closes=CLOSES)
    plain = await posted_poll(emu, server, db_url, launch, question="Before March?", closes=CLOSES)
    third = await posted_poll(
        emu, server, db_url, launch, question="A 1-inch sensor?", closes=CLOSES
    )
    assert await vote_sure(emu, sure, member, "Yes", "90") == "You voted **Yes**, 90 % sure."
    assert await vote_sure(emu, sure, manager, "Yes", "60") == "You voted **Yes**, 60 % sure."
    await vote_sure(emu, sure, editor, "No", "100")
    for who, label in ((member, "Yes"), (manager, "No"), (fourth, "Yes")):
        await click(emu, plain, who, label)
    for who in (member, manager, fourth):
        await click(emu, third, who, "No")

    elsewhere = await run(
        emu, server.other, server.outsider, "launch", "add", device="Mate 50", brand="Huawei",
        date="Q3 2027",
    )  # fmt: skip
    foreign = await run(
        emu, server.other, server.outsider, "poll", "create", launch=launch_id_of(elsewhere),
        closes=CLOSES,
    )  # fmt: skip
    assert foreign.message is not None
    await click(emu, foreign.message, server.outsider, "Yes")
    await run(
        emu,
        server.other,
        server.outsider,
        "poll",
        "resolve",
        poll=str(poll_id_of(foreign.message)),
        answer="Yes",
        evidence="https://x.test/mate",
    )  # the other server's prediction, right, counts on its own board only
    for poll, answer in ((sure, "Yes"), (plain, "Yes"), (third, "No")):
        done = await resolve(emu, server, poll_id_of(poll), answer)
        assert "resolved" in (done.content or ""), done.content
    board = await run(emu, server.guild, member, "poll", "leaderboard")
    text = board.embeds[0]["description"]
    # member: 0.02, 0, 0 (mean 0.01); manager: 0.32, 2, 0 (mean 0.77)
    assert standings(board) == [member.user.id, manager.user.id]
    assert f"**1.** <@{member.user.id}> · 3 predictions · 100 % right · Brier 0.01" in text
    assert f"**2.** <@{manager.user.id}> · 3 predictions · 67 % right · Brier 0.77" in text
    assert "2 members are not ranked yet (fewer than 3 resolved predictions)." in text
    assert f"<@{server.outsider.user.id}>" not in text
    assert board.message is not None and board.message.allowed_mentions == {"parse": []}

    corrected = await resolve(emu, server, poll_id_of(plain), "No")
    assert "corrected" in (corrected.content or ""), corrected.content
    board = await run(emu, server.guild, member, "poll", "leaderboard")
    # member: 0.02, 2, 0 (mean 0.67); manager: 0.32, 0, 0 (mean 0.11)
    assert standings(board) == [manager.user.id, member.user.id]

    mine = await run(emu, server.guild, member, "poll", "stats")
    assert mine.ephemeral
    fields = {f["name"]: f["value"] for f in mine.embeds[0]["fields"]}
    assert fields["Rank"] == "#2 of 2"
    assert fields["Predictions"] == "3 (2 right)"
    recent = mine.embeds[0]["description"]
    assert "**Latest resolved predictions**" in recent
    assert recent.count("✅") == 2 and recent.count("❌") == 1
    assert "Vote: Yes · wrong (true: No)" in recent
    theirs = await run(emu, server.guild, member, "poll", "stats", member=fourth)
    fields = {f["name"]: f["value"] for f in theirs.embeds[0]["fields"]}
    assert fields["Rank"] == "Not ranked yet: 2 of 3 resolved predictions"
    theirs_elsewhere = await run(emu, server.other, server.outsider, "poll", "leaderboard")
    assert "1 member is not ranked yet" in theirs_elsewhere.embeds[0]["description"]
    nobody = await run(emu, server.guild, member, "poll", "stats", member=server.outsider)
    assert "has no resolved predictions yet" in nobody.embeds[0]["description"]
