"""Editors resolving one poll at the same moment: the resolutions happen one after another, so
the poll ends with one outcome, every resolution that changed it has exactly one post (in the
order they happened, each correcting the one before), and the others are told nothing changed.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from datetime import UTC, datetime

from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.e2e.poll_helpers import FAST, add_launch, click, poll_id_of, tally
from tests.e2e.poll_result_helpers import (
    EVIDENCE,
    outcome_messages,
    poll_row,
    posted_poll,
    until_card,
    until_outcome_rows,
    until_outcomes,
)
from tests.emulator import CallbackRecord, Emulator
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
AT_ONCE = 10
ANSWER = re.compile(r"True answer: \*\*(\w+)\*\*(?: \(not \*\*(\w+)\*\*\))?")


async def _all_at_once(
    emu: Emulator, server: Server, poll_id: int, answers: list[str]
) -> list[CallbackRecord]:
    handles = [
        await emu.invoke_slash(
            server.guild,
            server.editor,
            "poll",
            subcommand="resolve",
            options={"poll": str(poll_id), "answer": answer, "evidence": EVIDENCE},
        )
        for answer in answers
    ]
    return list(await asyncio.gather(*(h.wait_response() for h in handles)))


async def test_ten_resolutions_at_once_leave_one_outcome_and_one_post_per_change(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    launch = await add_launch(emu, server, date="Q3 2027")
    poll = await posted_poll(emu, server, db_url, launch, closes="2027-04-01 10:00")
    poll_id = poll_id_of(poll)
    await click(emu, poll, server.member, "Yes")
    await click(emu, poll, server.manager, "No")

    same = await _all_at_once(emu, server, poll_id, ["Yes"] * AT_ONCE)
    said = [str(r.content) for r in same]
    assert all(r.ephemeral for r in same)
    assert sum(f"Poll #{poll_id} resolved: **Yes**" in text for text in said) == 1, said
    assert sum("already resolved as **Yes**" in text for text in said) == AT_ONCE - 1, said
    await until_outcomes(emu, server.general, poll_id, 1)
    await until_card(emu, poll, "Yes ✅")

    flips = await _all_at_once(emu, server, poll_id, ["No", "Yes"] * (AT_ONCE // 2))
    changed = sum("corrected" in str(r.content) for r in flips)
    unchanged = sum("already resolved" in str(r.content) for r in flips)
    assert changed >= 1 and changed + unchanged == AT_ONCE, [r.content for r in flips]
    posts = await until_outcomes(emu, server.general, poll_id, 1 + changed, timeout=60.0)
    await asyncio.sleep(0.5)  # an extra post would have followed by now
    posts = outcome_messages(emu, server.general, poll_id)
    assert len(posts) == 1 + changed
    chain = [ANSWER.search(p.content) for p in posts]
    assert all(c is not None for c in chain)
    told = [(c[1], c[2]) for c in chain if c is not None]
    assert told[0] == ("Yes", None)
    for (before, _), (now, was) in itertools.pairwise(told):
        assert was == before and now != before  # each corrects the one before it
    final = told[-1][0]
    assert (await poll_row(db_url, poll_id))["outcome"] == (0b01 if final == "Yes" else 0b10)
    await until_outcome_rows(
        db_url, poll_id, [(f"outcome:{n}", "sent") for n in range(1, 2 + changed)]
    )
    await until_card(emu, poll, f"{final} ✅")
    assert f"{final} ✅" in tally(poll)
