"""The pure rules of polls: questions and answers, when a poll closes, what a click means, and
the tally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import DateWindow, parse_date
from bot.domain.errors import InvalidDate, InvalidInput
from bot.domain.poll_rules import (
    ANSWER_MAX,
    CONFIDENCE_STEPS,
    DEFAULT_ANSWERS,
    QUESTION_MAX,
    check_options,
    clean_question,
    close_key,
    followed_close,
    given_close,
    launch_close,
    parse_answers,
    poll_of_subject,
    poll_subject,
    suggested_question,
)
from bot.domain.polls import PollFacts, VoteKind, ballot, bar, chosen, tally_of
from bot.domain.vocabulary import LaunchStatus, Precision

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
YES_NO = PollFacts(7, 1, ("Yes", "No"), multiple=False, confidence=False, hidden=False)


def _window(text: str, zone: str = "Asia/Shanghai") -> DateWindow:
    return parse_date(text, default_tz=zone)


# questions and answers ---------------------------------------------------------------------


def test_the_partner_suggests_the_question() -> None:
    assert (
        suggested_question("Xiaomi 12 Ultra", "Leica")
        == "Will the Leica collaboration appear on the Xiaomi 12 Ultra?"
    )
    assert suggested_question("Mate 50", None) == "Will the Mate 50 launch on time?"


def test_a_suggestion_from_the_longest_names_still_fits() -> None:
    assert len(suggested_question("D" * 100, "P" * 100)) <= QUESTION_MAX


def test_a_question_is_one_line_of_at_most_300_characters() -> None:
    assert clean_question("  Will it\n launch?  ") == "Will it launch?"
    with pytest.raises(InvalidInput, match="limit is 300"):
        clean_question("x" * 301)
    with pytest.raises(InvalidInput, match="must not be empty"):
        clean_question(" \n ")


def test_answers_default_to_yes_and_no() -> None:
    assert parse_answers(None) == DEFAULT_ANSWERS == ("Yes", "No")
    assert parse_answers("   ") == ("Yes", "No")


def test_answers_are_split_on_bars_and_cleaned() -> None:
    assert parse_answers(" Leica | Hasselblad |  XMAGE ") == ("Leica", "Hasselblad", "XMAGE")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Only one", "2 to 10 answers"),
        (" | ".join(str(n) for n in range(11)), "2 to 10 answers"),
        ("Yes | | No", "is empty"),
        ("Yes | No | YES", "given twice"),
        ("Yes | " + "n" * (ANSWER_MAX + 1), "limit is 55"),
        ("|".join("a" * 60 for _ in range(12)), "the limit is 580"),
    ],
)
def test_bad_answers_are_refused_with_a_sentence(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_answers(text)


@given(st.lists(st.text(min_size=1, max_size=70), min_size=0, max_size=14))
def test_answers_either_fit_discord_native_polls_or_are_refused(parts: list[str]) -> None:
    try:
        answers = parse_answers(" | ".join(parts))
    except InvalidInput:
        return
    assert 2 <= len(answers) <= 10
    assert all(0 < len(a) <= ANSWER_MAX and "|" not in a for a in answers)


def test_confidence_needs_a_single_answer_poll() -> None:
    check_options(multiple=False, confidence=True)
    check_options(multiple=True, confidence=False)
    with pytest.raises(InvalidInput, match="single-answer"):
        check_options(multiple=True, confidence=True)


# when a poll closes ------------------------------------------------------------------------


def test_a_poll_closes_at_its_launchs_exact_time_or_the_start_of_its_day() -> None:
    exact = _window("2027-03-10 19:30")
    assert launch_close("Xiaomi 12", exact, LaunchStatus.CONFIRMED, NOW) == datetime(
        2027, 3, 10, 11, 30, tzinfo=UTC
    )
    day = _window("10 March 2027")
    assert launch_close("Xiaomi 12", day, LaunchStatus.RUMORED, NOW) == datetime(
        2027, 3, 9, 16, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (None, "has no date yet"),
        (_window("Q2 2027"), "only dated Q2 2027"),
        (_window("late March 2027"), "only dated late March 2027"),
        (_window("2027-02-10 19:30"), "has passed"),
    ],
)
def test_a_launch_without_a_usable_time_asks_for_closes(
    window: DateWindow | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        launch_close("Xiaomi 12", window, LaunchStatus.RUMORED, NOW)
    assert "closes" in str(refused.value)


@pytest.mark.parametrize("status", [LaunchStatus.LAUNCHED, LaunchStatus.CANCELLED])
def test_a_launch_that_is_over_cannot_close_a_poll(status: LaunchStatus) -> None:
    with pytest.raises(InvalidInput, match=f"is {status.value} already"):
        launch_close("Xiaomi 12", _window("2027-03-10 19:30"), status, NOW)


def test_a_polls_posts_are_named_after_it() -> None:
    assert poll_of_subject(poll_subject(12)) == 12
    assert poll_of_subject("launch:12") is None
    assert poll_of_subject("poll:\uff11\uff12") is None  # full-width digits
    assert close_key(datetime(2027, 3, 10, 11, 30, tzinfo=UTC)) == "close@20270310T1130"


def test_closes_takes_a_time_or_the_end_of_a_day() -> None:
    assert given_close("2027-03-10 19:30", "Asia/Shanghai", NOW) == datetime(
        2027, 3, 10, 11, 30, tzinfo=UTC
    )
    assert given_close("10 March 2027", "UTC", NOW) == datetime(2027, 3, 11, tzinfo=UTC)
    assert given_close("2027-03-10 19:30 UTC", "Asia/Shanghai", NOW) == datetime(
        2027, 3, 10, 19, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("March 2027", "not in March 2027"),
        ("2027-02-28 10:00", "has passed"),
        ("2031-01-01 10:00", "at most two years"),
    ],
)
def test_closes_must_be_a_time_ahead(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        given_close(text, "UTC", NOW)


def test_closes_that_is_no_date_says_how_to_write_one() -> None:
    with pytest.raises(InvalidDate):
        given_close("next tuesday-ish", "UTC", NOW)


def test_a_poll_that_closes_with_its_launch_follows_it() -> None:
    later = _window("2027-04-02 10:00")
    assert followed_close(later, LaunchStatus.CONFIRMED, NOW) == later.start
    vague = _window("Q3 2027")
    assert followed_close(vague, LaunchStatus.POSTPONED, NOW) == vague.start
    passed = _window("2027-02-01 10:00")
    assert followed_close(passed, LaunchStatus.CONFIRMED, NOW) == NOW
    assert followed_close(None, LaunchStatus.POSTPONED, NOW) is None
    assert followed_close(later, LaunchStatus.CANCELLED, NOW) == NOW
    assert followed_close(later, LaunchStatus.LAUNCHED, NOW) == NOW
    assert followed_close(None, None, NOW) == NOW  # the launch was removed


# votes ---------------------------------------------------------------------------------------


def test_a_click_on_a_single_answer_poll_sets_the_choice() -> None:
    cast = ballot(YES_NO, 42, 1, None)
    assert (cast.mask, cast.kind, cast.confidence, cast.user_id) == (0b10, VoteKind.SET, None, 42)


def test_a_click_on_a_multiple_answer_poll_toggles_the_answer() -> None:
    facts = PollFacts(7, 1, ("A", "B", "C"), multiple=True, confidence=False, hidden=False)
    assert (ballot(facts, 42, 2, None).mask, ballot(facts, 42, 2, None).kind) == (
        0b100,
        VoteKind.TOGGLE,
    )


@pytest.mark.parametrize("answer", [-1, 2, 10, 63])
def test_an_answer_the_poll_does_not_have_is_refused(answer: int) -> None:
    with pytest.raises(InvalidInput, match="does not match any answer"):
        ballot(YES_NO, 42, answer, None)


def test_confidence_is_one_of_the_steps_and_only_where_asked() -> None:
    sure = PollFacts(7, 1, ("Yes", "No"), multiple=False, confidence=True, hidden=False)
    assert [ballot(sure, 1, 0, c).confidence for c in CONFIDENCE_STEPS] == [50, 60, 70, 80, 90, 100]
    for wrong in (None, 0, 49, 55, 101):
        with pytest.raises(InvalidInput, match="how sure"):
            ballot(sure, 1, 0, wrong)
    with pytest.raises(InvalidInput, match="does not ask"):
        ballot(YES_NO, 1, 0, 80)


# the tally -----------------------------------------------------------------------------------


def test_the_tally_counts_each_answer_and_each_voter_once() -> None:
    tally = tally_of(3, [(0b001, 5), (0b011, 2), (0b100, 1), (0, 4)])
    assert tally.counts == (7, 2, 1)
    assert tally.voters == 8  # members who took back every answer are not counted
    assert tally.share(0) == 7 / 8


def test_an_empty_tally_has_no_shares() -> None:
    tally = tally_of(2, [])
    assert (tally.counts, tally.voters, tally.share(1)) == ((0, 0), 0, 0.0)


def test_bars_fill_in_proportion() -> None:
    assert bar(0.0) == "░" * 12
    assert bar(1.0) == "█" * 12
    assert bar(0.5) == "█" * 6 + "░" * 6
    assert len(bar(0.37)) == 12


def test_chosen_answers_follow_the_bits() -> None:
    assert chosen(("A", "B", "C"), 0b101) == ("A", "C")
    assert chosen(("A", "B"), 0) == ()


def test_days_are_windows_of_a_day() -> None:
    assert _window("10 March 2027").precision is Precision.DAY
    assert _window("10 March 2027").end - _window("10 March 2027").start == timedelta(days=1)
