"""A poll's outcome as the bot shows it: the outcome post (and its correction) with hostile
questions and answers shown as typed, the only live mentions being the members who got it
right (and those ping nobody); a resolved card marking the true answer; an open card showing its
launch's latest claims, escaped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import discord
import pytest

from bot.app import limits
from bot.domain.poll_resolution import Change, OutcomeNotice, Resolution
from bot.domain.polls import PollRecord, PollView, tally_of
from bot.domain.records import ClaimRecord
from bot.domain.vocabulary import ClaimSubject, FeaturePresence, PollState, SourceKind
from bot.render.poll_card import poll_embed
from bot.render.poll_outcome import outcome_post, outcome_text, resolved_reply
from tests.render.test_user_text import HOSTILE
from tests.support.discord_text import live_syntax, visible

T0 = datetime(2027, 3, 1, 12, tzinfo=UTC)
URL = "https://www.leica-camera.com/en-int/press"
NOTICE = OutcomeNotice(
    poll_id=7, question="Leica?", true_answers=("Yes",), previous=None, evidence=URL, voters=3,
    right=1, correct=(11,), channel_id=5, reply_to=9,
)  # fmt: skip
POLL = PollRecord(
    id=7, guild_id=1, launch_id=3, launch_title="Xiaomi 12 Ultra", question="Leica?",
    answers=("Yes", "No"), multiple=False, confidence=False, hidden=False, closes_at=T0,
    closes_with_launch=False, state=PollState.OPEN, channel_id=5, message_id=9, created_by=2,
    created_at=T0, closed_at=None,
)  # fmt: skip


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_questions_and_answers_are_shown_as_typed(hostile: str) -> None:
    notice = replace(NOTICE, question=hostile, true_answers=(hostile,), previous=(hostile,))
    text = outcome_text(notice)
    assert live_syntax(text, frozenset({"<@11>"})) == []
    assert visible(text).count(" ".join(hostile.split())) >= 2


def test_who_got_it_right_is_named_up_to_ten_and_counted_beyond() -> None:
    many = replace(NOTICE, voters=40, right=15, correct=tuple(range(100, 110)))
    assert outcome_text(many).endswith(
        "**15 of 40** voters got it right: " + ", ".join(f"<@{u}>" for u in range(100, 110))
        + " and 5 more."
    )  # fmt: skip
    assert outcome_text(replace(NOTICE, right=0, correct=())).endswith(
        "Nobody got it right (0 of 3 voters)."
    )
    assert outcome_text(replace(NOTICE, voters=0, right=0, correct=())).endswith("Nobody voted.")
    several = outcome_text(replace(NOTICE, true_answers=("Leica", "Zeiss")))
    assert "True answers: **Leica**, **Zeiss**" in several


def test_the_post_pings_nobody_replies_only_when_it_may_and_stays_within_limits() -> None:
    post = outcome_post(NOTICE, late=True, reply=True)
    assert post.allowed_mentions.to_dict() == {"parse": []}
    assert post.reply_to == 9 and "sent late" in post.content
    assert outcome_post(NOTICE, late=False, reply=False).reply_to is None
    longest = replace(
        NOTICE, question="q" * 300, true_answers=("a" * 55,) * 10, previous=("b" * 55,) * 10,
        evidence="https://x.test/" + "u" * 480, correct=tuple(2**63 - n for n in range(10)),
    )  # fmt: skip
    assert len(outcome_text(longest)) <= limits.CONTENT


def test_a_resolved_card_marks_the_true_answer_and_an_open_one_shows_the_latest_claims() -> None:
    claim = ClaimRecord(
        id=1, launch_id=3, subject=ClaimSubject.FEATURE, window=None, feature="Leica **x**",
        present=FeaturePresence.NO, statement=None, source_url=None,
        source_kind=SourceKind.LEAKER, author="<@&99> DCS", seen_at=T0, superseded_by_id=None,
        recorded_by=None,
    )  # fmt: skip
    open_card = poll_embed(PollView(POLL, tally_of(2, [(1, 2)]), (claim,))).description or ""
    assert "Latest: Leica \\*\\*x\\*\\* — no (\\<@&99\\> DCS, leaker)" in open_card
    assert live_syntax(open_card) == []
    resolved = replace(
        POLL, state=PollState.RESOLVED, closed_at=T0, outcome=0b10, evidence_url=URL,
        resolved_by=2, resolved_at=T0,
    )  # fmt: skip
    card = poll_embed(PollView(resolved, tally_of(2, [(1, 2), (2, 1)]), (claim,)))
    text = card.description or ""
    assert f"✅ **Resolved** <t:{int(T0.timestamp())}:R>: **No** · evidence: <{URL}>" in text
    assert "\nNo ✅\n" in text and "\nYes\n" in text
    assert "Latest:" not in text
    assert card.colour == discord.Colour.green()


def test_the_editor_hears_where_the_outcome_went_or_why_it_cannot() -> None:
    done = Resolution(replace(POLL, outcome=0b01), Change.RESOLVED, None, False, NOTICE, T0)
    assert resolved_reply(done) == "Poll #7 resolved: **Yes**. The outcome is posted in <#5>."
    assert resolved_reply(done, "the poll's channel (<#5>) is gone") == (
        "Poll #7 resolved: **Yes**. I can't post the outcome: the poll's channel (<#5>) is gone."
    )
    unposted = replace(done, change=Change.CORRECTED, previous=0b10, notice=None)
    assert resolved_reply(unposted) == (
        "Poll #7 corrected: **Yes** (was **No**). It has no message in a channel, so no "
        "correction is posted. The scores follow."
    )
