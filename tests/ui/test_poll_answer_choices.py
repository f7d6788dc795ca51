"""What /poll resolve's answer option suggests: the poll's answers matching what is typed, and
on a poll with several answers, each other answer added after the ones already typed."""

from __future__ import annotations

from cogs._poll_results import answer_choices

CAMERAS = ("Leica", "Hasselblad", "Zeiss")


def test_a_single_answer_poll_offers_its_matching_answers() -> None:
    assert answer_choices(("Yes", "No"), False, "") == ["Yes", "No"]
    assert answer_choices(("Yes", "No"), False, "e") == ["Yes"]
    assert answer_choices(("Yes", "No"), False, "Yes | ") == []


def test_a_poll_with_several_answers_builds_on_what_is_typed() -> None:
    assert answer_choices(CAMERAS, True, "") == ["Leica", "Hasselblad", "Zeiss"]
    assert answer_choices(CAMERAS, True, "leica | ") == [
        "Leica", "Leica | Hasselblad", "Leica | Zeiss",
    ]  # fmt: skip
    assert answer_choices(CAMERAS, True, "Leica | z") == ["Leica | Zeiss"]
    assert answer_choices(CAMERAS, True, "Sony | ") == ["Leica", "Hasselblad", "Zeiss"]
    long = tuple(c * 55 for c in "abc")
    assert answer_choices(long, True, long[0] + " | ") == [long[0]]  # longer ones cannot be values
