"""Native polls' rules: whole hours rounded up within Discord's 768, the options Discord cannot
do refused, and votes as Discord lists them turned into members' choices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.native_polls import (
    MAX_HOURS,
    check_native_options,
    choices_of,
    native_hours,
    rounded_up,
)

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("later", "hours", "rounded"),
    [
        (timedelta(minutes=1), 1, True),
        (timedelta(hours=1), 1, False),
        (timedelta(hours=93, minutes=15), 94, True),
        (timedelta(hours=24, seconds=1), 25, True),
        (timedelta(days=32), MAX_HOURS, False),
    ],
)
def test_the_duration_is_whole_hours_rounded_up(
    later: timedelta, hours: int, rounded: bool
) -> None:
    assert native_hours(NOW + later, NOW) == hours
    assert rounded_up(NOW + later, NOW) is rounded


def test_more_than_32_days_is_refused_with_the_limit_and_the_way_out() -> None:
    with pytest.raises(InvalidInput) as refused:
        native_hours(NOW + timedelta(days=32, seconds=1), NOW)
    text = str(refused.value)
    assert "at most 32 days (768 hours" in text and "leave native off" in text


def test_confidence_and_hidden_results_are_refused() -> None:
    check_native_options(confidence=False, hidden=False)
    with pytest.raises(InvalidInput, match="cannot ask how sure"):
        check_native_options(confidence=True, hidden=False)
    with pytest.raises(InvalidInput, match="cannot hide its results"):
        check_native_options(confidence=False, hidden=True)


def test_votes_become_each_members_choices() -> None:
    listed = [(1, 10), (3, 10), (2, 11), (1, 12), (4, 13), (0, 14)]
    assert choices_of(listed, 3) == {10: 0b101, 11: 0b010, 12: 0b001}
    assert choices_of([], 2) == {}
