"""A launch's claims on its open polls' cards: recording a claim (such as "no Leica") re-renders
the cards of the launch's open polls with its standing claims, escaped; a closed or resolved
poll's card is left as it was."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.e2e.calendar_helpers import run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.e2e.poll_helpers import FAST, add_launch, description, edits_of, poll_id_of, until
from tests.e2e.poll_result_helpers import posted_poll, resolve
from tests.emulator import Emulator
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)


async def test_a_claim_recorded_about_a_launch_shows_on_its_open_polls_cards(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    launch = await add_launch(emu, server, date="2027-03-10 19:30 Asia/Shanghai", partner="Leica")
    with_launch = await posted_poll(emu, server, db_url, launch)
    fixed = await posted_poll(
        emu, server, db_url, launch, question="1-inch?", closes="2027-04-01 10:00"
    )
    done = await posted_poll(
        emu, server, db_url, launch, question="Done?", closes="2027-04-01 10:00"
    )
    await resolve(emu, server, poll_id_of(done), "Yes")
    await until(emu, lambda: "Resolved" in description(done), "the resolved card")
    assert "Latest:" not in description(with_launch)
    resolved_edits = edits_of(emu, done)

    added = await run(
        emu, server.guild, server.member, "rumor", "add", launch=launch, about="feature",
        source_kind="leaker", feature="Leica", present="no", author="**Digital** <@&1> Chat",
    )  # fmt: skip
    assert not added.ephemeral, added.content
    line = "Latest: Leica — no (\\*\\*Digital\\*\\* \\<@&1\\> Chat, leaker)"
    for card in (with_launch, fixed):
        await until(emu, lambda c=card: line in description(c), "the claim on an open poll's card")  # type: ignore[misc]
        assert card.pings.nobody
    newer = await run(
        emu, server.guild, server.editor, "rumor", "add", launch=launch, about="feature",
        source_kind="official", feature="leica", present="yes", author="Xiaomi",
    )  # fmt: skip
    assert not newer.ephemeral, newer.content
    await until(
        emu,
        lambda: "Latest: leica — yes (Xiaomi, official)" in description(fixed),
        "the newer claim",
    )
    assert "Leica — no" not in description(fixed)  # the newer claim on Leica replaced it
    confirmed = await run(
        emu, server.guild, server.editor, "launch", "confirm", launch=launch,
        date="2027-03-12 19:30 Asia/Shanghai", author="Xiaomi",
    )  # fmt: skip
    assert not confirmed.ephemeral, confirmed.content
    await until(
        emu, lambda: any(
            line.startswith("Latest: date — ") and line.endswith("(Xiaomi, official)")
            for line in description(fixed).split("\n")
        ),
        "the confirmed date's claim on the card",
    )  # fmt: skip
    assert "Latest: leica — yes (Xiaomi, official)" in description(fixed)
    await asyncio.sleep(0.5)  # an edit of the resolved poll's card would have come by now
    assert edits_of(emu, done) == resolved_edits
    assert "Latest:" not in description(done)
