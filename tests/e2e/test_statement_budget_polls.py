"""The database budget (docs/architecture.md) of the commands about polls' outcomes, counted as
tests/e2e/test_statement_budget.py counts the others: resolving (first, again the same, a
correction) is a write, the leaderboard (worked out again after a resolution: a read and one
statement to keep it), a member's record and the suggestions are reads, and a
claim about a launch with polls stays a write within budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.calendar_helpers import button_id, launch_id_of
from tests.e2e.harness import RunningBot, Server
from tests.e2e.poll_result_helpers import EVIDENCE
from tests.e2e.test_statement_budget import READ, WRITE, Budget, Tally, tally
from tests.emulator import Emulator

REBUILD = (2, 4)
KEPT = (1, 1)

__all__ = ["tally"]  # the fixture, shared with the calendar's budget test


async def test_resolving_and_scores_stay_within_the_budget(
    emu: Emulator, server: Server, bot: RunningBot, tally: Tally
) -> None:
    budget = Budget(emu, server, bot, tally)
    soon = datetime.now(UTC) + timedelta(days=30)
    editor, member = server.editor, server.member
    launch = launch_id_of(
        await budget.command(WRITE, editor, "launch", "add", device="Mate 50", brand="Huawei")
    )
    created = await budget.command(
        WRITE, editor, "poll", "create", launch=launch, closes=f"{soon:%Y-%m-%d} 10:00"
    )
    assert created.message is not None, created.content
    poll = created.embeds[0]["title"].split("#")[1]
    clicked = await emu.click_button(created.message, member, button_id(created.message, "Yes"))
    assert (await clicked.wait_response()).content == "You voted **Yes**."
    await budget.command(
        WRITE, member, "rumor", "add", launch=launch, about="feature", source_kind="leaker",
        feature="Leica", present="no",
    )  # fmt: skip
    for answer, evidence in (("Yes", EVIDENCE), ("Yes", EVIDENCE), ("No", EVIDENCE + "/2")):
        done = await budget.command(
            WRITE, editor, "poll", "resolve", poll=poll, answer=answer, evidence=evidence
        )
        assert done.ephemeral and f"Poll #{poll}" in (done.content or ""), done.content
    # the first board after a resolution is worked out and kept (one more checkout, for the
    # statement that keeps it); the next are read back in one statement
    await budget.command(REBUILD, member, "poll", "leaderboard")
    await budget.command(KEPT, member, "poll", "leaderboard")
    await budget.command(READ, member, "poll", "stats")
    for focused, options in (
        ("poll", {"poll": "launch"}),
        ("answer", {"poll": poll, "answer": ""}),
    ):
        async with budget.alone():
            handle = await emu.invoke_autocomplete(
                server.guild, member, "poll", subcommand="resolve", focused=focused,
                options=options,
            )  # fmt: skip
            reply = await handle.wait_response()
        assert reply.choices, focused
        if focused == "poll":  # the answers come from the poll's facts, kept once read
            budget._check(f"autocomplete /poll resolve {focused}", READ, reply)
