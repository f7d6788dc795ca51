"""Resolving polls, purely: the answers an editor types, who got it right (the same rule as the
scoring's hit), and the outcome post's payload."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InvalidInput
from bot.domain.poll_resolution import OutcomeNotice, is_right, outcome_text, parse_outcome
from bot.domain.poll_scoring import Prediction, is_hit

CAMERAS = ("Leica", "Hasselblad", "Zeiss")


def test_answers_are_matched_like_names_and_several_only_where_the_poll_takes_several() -> None:
    assert parse_outcome(("Yes", "No"), False, "  no ") == 0b10
    assert parse_outcome(CAMERAS, True, "zeiss | LEICA") == 0b101
    assert parse_outcome(CAMERAS, True, "Leica | Leica |") == 0b001
    assert outcome_text(CAMERAS, 0b101) == "Leica | Zeiss"
    with pytest.raises(InvalidInput, match="takes one answer per member"):
        parse_outcome(("Yes", "No"), False, "Yes | No")
    with pytest.raises(InvalidInput, match='"Sony" is not an answer of this poll; its answers'):
        parse_outcome(CAMERAS, True, "Leica | Sony")
    with pytest.raises(InvalidInput, match="Give the answer that came true"):
        parse_outcome(CAMERAS, True, " | ")


@given(
    count=st.integers(2, 10),
    multiple=st.booleans(),
    data=st.data(),
)
def test_right_is_the_scorings_hit(count: int, multiple: bool, data: st.DataObject) -> None:
    answers = st.integers(0, count - 1)
    if multiple:
        choices = data.draw(st.sets(answers, min_size=1))
        outcome = data.draw(st.sets(answers, min_size=1))
    else:
        choices = {data.draw(answers)}
        outcome = {data.draw(answers)}
    mask = sum(1 << a for a in choices)
    truth = sum(1 << a for a in outcome)
    prediction = Prediction(1, 1, count, frozenset(choices), None, multiple, frozenset(outcome))
    assert is_right(mask, truth, multiple) == is_hit(prediction)


def test_the_payload_says_everything_the_post_shows_and_a_bad_one_is_refused() -> None:
    notice = OutcomeNotice(
        poll_id=4, question="Leica?", true_answers=("Yes",), previous=("No",),
        evidence="https://x.test/a", voters=3, right=2, correct=(2**62, 5), channel_id=2**60,
        reply_to=None,
    )  # fmt: skip
    assert OutcomeNotice.from_payload(notice.to_payload()) == notice
    for broken in (None, {}, notice.to_payload() | {"right": 4}, notice.to_payload() | {"true": []},
                   notice.to_payload() | {"channel": "general"}):  # fmt: skip
        with pytest.raises(ValueError):
            OutcomeNotice.from_payload(broken)
