"""Resolving a poll through the real bot and the emulator: the outcome posted as a reply to the
poll (pinging nobody), the poll's message showing it, a correction, the same answer again doing
nothing, and every wrong input refused with nothing written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.domain.text import URL_MAX
from tests.e2e.calendar_helpers import run
from tests.e2e.conftest import StartBot
from tests.e2e.harness import Server
from tests.e2e.poll_helpers import (
    FAST,
    add_launch,
    click,
    close_posts,
    description,
    enabled_labels,
    poll_id_of,
    tally,
)
from tests.e2e.poll_result_helpers import (
    EVIDENCE,
    outcome_messages,
    outcome_rows,
    poll_audit,
    poll_row,
    posted_poll,
    resolve,
    until_card,
    until_outcome_rows,
    until_outcomes,
    until_stored_message,
)
from tests.emulator import Emulator, Perm
from tests.support.clock import FakeClock

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
CORRECTION = "https://www.mi.com/global/news/xiaomi-12s-ultra-leica"


async def test_resolving_posts_the_outcome_and_a_correction_follows_it(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    member, manager, editor = server.member, server.manager, server.editor
    launch = await add_launch(emu, server, date="Q3 2027", partner="Leica")
    poll = await posted_poll(emu, server, db_url, launch, closes="2027-04-01 10:00")
    poll_id = poll_id_of(poll)
    for who, label in ((member, "Yes"), (manager, "No"), (editor, "Yes")):
        assert (await click(emu, poll, who, label)).content == f"You voted **{label}**."

    done = await resolve(emu, server, poll_id, "no")  # answers match whatever the case
    general = f"<#{server.general.id}>"
    assert done.ephemeral and done.content == (
        f"Poll #{poll_id} resolved: **No** (it was open: it is closed now). "
        f"The outcome is posted in {general}."
    )
    (posted,) = await until_outcomes(emu, server.general, poll_id, 1)
    assert posted.content == (
        f"✅ **Poll #{poll_id} resolved:** Will the Leica collaboration appear on the Xiaomi 12 "
        f"Ultra?\nTrue answer: **No**\nEvidence: <{EVIDENCE}>\n"
        f"**1 of 3** voters got it right: <@{manager.user.id}>."
    )
    assert posted.message_reference is not None
    assert posted.message_reference["message_id"] == str(poll.id)
    assert posted.pings.nobody and posted.allowed_mentions == {"parse": []}
    await until_card(emu, poll, "✅ **Resolved**")
    assert f"evidence: <{EVIDENCE}>" in description(poll)
    assert tally(poll) == {"Yes": 2, "No ✅": 1}
    assert enabled_labels(poll) == ["My vote"]
    stored = await poll_row(db_url, poll_id)
    assert (str(stored["state"]), stored["outcome"], stored["evidence_url"]) == (
        "resolved", 0b10, EVIDENCE,
    )  # fmt: skip
    assert stored["resolved_by"] == editor.user.id and stored["closed_at"] is not None
    await until_outcome_rows(db_url, poll_id, [("outcome:1", "sent")])
    assert await close_posts(db_url, poll_id) == [
        ("close@20270401T1000", "cancelled"),
        ("outcome:1", "sent"),
    ]

    corrected = await resolve(emu, server, poll_id, "Yes", CORRECTION)
    assert corrected.ephemeral and corrected.content == (
        f"Poll #{poll_id} corrected: **Yes** (was **No**). The correction is posted in "
        f"{general}. The scores follow."
    )
    first, second = await until_outcomes(emu, server.general, poll_id, 2)
    assert first.message_reference is not None
    right = sorted((member.user.id, editor.user.id))  # earliest vote first: the clock stood still
    assert second.content == (
        f"✏️ **Corrected: poll #{poll_id}** · Will the Leica collaboration appear on the Xiaomi "
        f"12 Ultra?\nTrue answer: **Yes** (not **No**)\nEvidence: <{CORRECTION}>\n"
        f"**2 of 3** voters got it right: <@{right[0]}>, <@{right[1]}>."
    )
    assert second.pings.nobody and second.message_reference is not None
    await until_card(emu, poll, "Yes ✅")
    assert tally(poll) == {"Yes ✅": 2, "No": 1}

    again = await resolve(emu, server, poll_id, "YES", CORRECTION)
    assert again.ephemeral and again.content == (
        f"Poll #{poll_id} is already resolved as **Yes** with that evidence; nothing changed."
    )
    other_link = await resolve(emu, server, poll_id, "Yes", EVIDENCE)
    assert other_link.content == (
        f"Poll #{poll_id} stays resolved as **Yes**; its evidence is now <{EVIDENCE}>."
    )
    await until_card(emu, poll, f"evidence: <{EVIDENCE}>")
    await until_outcome_rows(db_url, poll_id, [("outcome:1", "sent"), ("outcome:2", "sent")])
    await asyncio.sleep(0.5)  # a third outcome post would be out by now
    assert len(await outcome_rows(db_url, poll_id)) == 2
    assert len(outcome_messages(emu, server.general, poll_id)) == 2
    audit = await poll_audit(db_url, poll_id)
    assert [a[0] for a in audit] == ["create", "resolve", "correct", "evidence"]
    _, before, after = audit[2]
    assert (before["outcome_answers"], after["outcome_answers"]) == (["No"], ["Yes"])
    assert (before["evidence_url"], after["evidence_url"]) == (EVIDENCE, CORRECTION)


async def test_an_outcome_without_its_poll_message_goes_to_the_channel_else_the_editor_hears(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    launch = await add_launch(emu, server, date="Q3 2027")
    poll = await posted_poll(emu, server, db_url, launch, closes="2027-04-01 10:00")
    poll_id = poll_id_of(poll)
    await click(emu, poll, server.member, "Yes")
    emu.message_store.delete(poll)
    done = await resolve(emu, server, poll_id, "Yes")
    assert done.ephemeral and "The outcome is posted in" in (done.content or "")
    (posted,) = await until_outcomes(emu, server.general, poll_id, 1)
    assert posted.message_reference is None
    assert f"**1 of 1** voters got it right: <@{server.member.user.id}>." in posted.content
    assert posted.pings.nobody

    locked = emu.state.add_channel(
        server.guild,
        "locked",
        overwrites={emu.state.bot_member(server.guild): (0, Perm.SEND_MESSAGES)},
    )
    handle = await emu.invoke_slash(
        server.guild, server.editor, "poll", subcommand="create", channel=locked,
        options={"launch": launch, "closes": "2027-04-01 10:00"},
    )  # fmt: skip
    created = await handle.wait_response()
    assert created.message is not None
    hidden_id = poll_id_of(created.message)
    await until_stored_message(db_url, hidden_id)
    refused = await resolve(emu, server, hidden_id, "No")
    assert refused.ephemeral and refused.content == (
        f"Poll #{hidden_id} resolved: **No** (it was open: it is closed now). I can't post the "
        f"outcome: I lack permission to post in <#{locked.id}>."
    )
    assert str((await poll_row(db_url, hidden_id))["state"]) == "resolved"


async def test_resolving_is_for_editors_and_every_wrong_value_is_refused_with_nothing_written(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    launch = await add_launch(emu, server, date="Q3 2027")
    poll = await posted_poll(emu, server, db_url, launch, closes="2027-04-01 10:00")
    poll_id = poll_id_of(poll)
    several = poll_id_of(
        await posted_poll(
            emu,
            server,
            db_url,
            launch,
            answers="Leica | Hasselblad | Zeiss",
            multiple=True,
            closes="2027-04-01 10:00",
        )
    )
    other_launch = await run(
        emu, server.other, server.outsider, "launch", "add", device="Mate 50", brand="Huawei",
        date="Q3 2027",
    )  # fmt: skip
    foreign = await run(
        emu, server.other, server.outsider, "poll", "create",
        launch=other_launch.embeds[0]["footer"]["text"].split()[1].lstrip("#"),
        closes="2027-04-01 10:00",
    )  # fmt: skip
    assert foreign.message is not None
    foreign_id = poll_id_of(foreign.message)

    cases = [
        (dict(who=server.member), "Resolving polls needs the Manage Events permission."),
        (dict(poll_id="x1"), "Pick a poll from the suggestions (or type its number, like 12)."),
        (dict(poll_id=foreign_id), f"There is no poll #{foreign_id} in this server."),
        (dict(poll_id=2**31), "Pick a poll from the suggestions (or type its number, like 12)."),
        (dict(evidence="not a link"), "The evidence link must be a web address starting with"),
        (dict(evidence="javascript:alert(1)"), "The evidence link must be a web address"),
        (dict(evidence="https://x.test/<@&1>"), "The evidence link must be a web address"),
        (dict(answer="Maybe"), '"Maybe" is not an answer of this poll; its answers: Yes, No.'),
        (dict(answer="Yes | No"), "This poll takes one answer per member"),
        (dict(answer=" | "), "Give the answer that came true."),
    ]
    for change, expected in cases:
        given: dict[str, object] = {"poll_id": poll_id, "answer": "Yes", **change}
        refused = await resolve(emu, server, **given)  # type: ignore[arg-type]
        assert refused.ephemeral and (refused.content or "").startswith(expected), refused.content
    handle = await emu.invoke_forged_slash(
        server.guild, server.editor, "poll", subcommand="resolve",
        options={"poll": str(poll_id), "answer": "Yes", "evidence": "https://x.test/"},
        forged={"evidence": "https://x.test/" + "a" * URL_MAX},
    )  # fmt: skip
    too_long = await handle.wait_response()
    assert too_long.ephemeral and too_long.content == "evidence takes from 1 to 500 characters."
    assert await resolve(emu, server, several, "Leica | zeiss") is not None
    assert (await poll_row(db_url, several))["outcome"] == 0b101
    for untouched in (poll_id, foreign_id):
        row = await poll_row(db_url, untouched)
        assert (str(row["state"]), row["outcome"], row["evidence_url"]) == ("open", None, None)
        assert [a[0] for a in await poll_audit(db_url, untouched)] == ["create"]
        assert await outcome_rows(db_url, untouched) == []
    assert "Resolved" not in description(poll)


async def test_resolve_suggests_closed_polls_first_then_open_then_resolved_and_their_answers(
    emu: Emulator, server: Server, launch_bot: StartBot, db_url: str
) -> None:
    clock = FakeClock(START)
    await launch_bot(clock, **FAST)
    launch = await add_launch(emu, server, date="Q3 2027")
    ids = [
        poll_id_of(
            await posted_poll(
                emu, server, db_url, launch, question=q, closes="2027-04-01 10:00", **options
            )
        )
        for q, options in (
            ("Resolved one?", {}),
            ("Closed one?", {}),
            ("Open one?", {"answers": "Leica | Zeiss | Sony", "multiple": True}),
        )
    ]
    resolved, closed, open_ = ids
    await resolve(emu, server, resolved, "No")
    await run(emu, server.guild, server.editor, "poll", "close", poll=str(closed))

    async def suggested(focused: str, **options: str) -> list[tuple[str, str]]:
        handle = await emu.invoke_autocomplete(
            server.guild, server.editor, "poll", subcommand="resolve", focused=focused,
            options=options,
        )  # fmt: skip
        return [(c["name"], c["value"]) for c in (await handle.wait_response()).choices]

    assert await suggested("poll", poll="one") == [
        (f"#{closed} Closed one? · closed", str(closed)),
        (f"#{open_} Open one? · open (resolving it closes it)", str(open_)),
        (f"#{resolved} Resolved one? · resolved: No", str(resolved)),
    ]
    assert await suggested("poll", poll="nothing like it") == []
    answers = await suggested("answer", poll=str(open_), answer="zeiss | ")
    assert [v for _, v in answers] == ["Zeiss", "Zeiss | Leica", "Zeiss | Sony"]
    assert await suggested("answer", poll="x", answer="") == []
    elsewhere = await emu.invoke_autocomplete(
        server.other, server.outsider, "poll", subcommand="resolve", focused="answer",
        options={"poll": str(open_), "answer": ""},
    )  # fmt: skip
    assert (await elsewhere.wait_response()).choices == []
