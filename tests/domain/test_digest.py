"""When the weekly digest goes out: the server's day and time in its zone, on both sides of each
daylight-saving change in Europe/Berlin and America/New_York, and on the nights themselves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.digest import DIGEST_GRACE, day_of_key, digest_on, next_digest

MON, SUN = 0, 6


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("zone", "weekday", "at", "after", "due"),
    [
        # Berlin moves to summer time on Sunday 28 March 2027: 09:00 is 08:00 UTC, then 07:00
        ("Europe/Berlin", MON, "09:00", _utc(2027, 3, 20), _utc(2027, 3, 22, 8)),
        ("Europe/Berlin", MON, "09:00", _utc(2027, 3, 22, 8), _utc(2027, 3, 29, 7)),
        # and back on Sunday 31 October 2027
        ("Europe/Berlin", MON, "09:00", _utc(2027, 10, 20), _utc(2027, 10, 25, 7)),
        ("Europe/Berlin", MON, "09:00", _utc(2027, 10, 25, 7), _utc(2027, 11, 1, 8)),
        # New York moves on Sunday 14 March 2027 (09:00 is 14:00 UTC, then 13:00)
        ("America/New_York", MON, "09:00", _utc(2027, 3, 8, 13), _utc(2027, 3, 8, 14)),
        ("America/New_York", MON, "09:00", _utc(2027, 3, 8, 14), _utc(2027, 3, 15, 13)),
        # and back on Sunday 7 November 2027
        ("America/New_York", MON, "09:00", _utc(2027, 11, 1, 12), _utc(2027, 11, 1, 13)),
        ("America/New_York", MON, "09:00", _utc(2027, 11, 1, 13), _utc(2027, 11, 8, 14)),
    ],
)
def test_the_digest_keeps_its_local_time_across_a_change(
    zone: str, weekday: int, at: str, after: datetime, due: datetime
) -> None:
    moment = next_digest(weekday, at, zone, after)
    assert moment.due_at == due
    assert moment.expires_at == due + DIGEST_GRACE
    assert moment.key == f"digest:{moment.local_day:%Y%m%d}"
    assert moment.local_day.weekday() == weekday


def test_the_week_a_digest_covers_ends_at_the_next_one_an_hour_short_over_the_change() -> None:
    moment = digest_on(date(2027, 3, 22), "09:00", "Europe/Berlin")
    assert moment.week_end == next_digest(MON, "09:00", "Europe/Berlin", moment.due_at).due_at
    assert moment.week_end - moment.due_at == timedelta(days=7) - timedelta(hours=1)
    autumn = digest_on(date(2027, 10, 25), "09:00", "Europe/Berlin")
    assert autumn.week_end - autumn.due_at == timedelta(days=7) + timedelta(hours=1)


def test_a_time_the_clocks_skip_goes_out_when_it_would_have_been() -> None:
    # 02:30 does not exist in New York on 14 March 2027 (02:00 becomes 03:00): 03:30 EDT
    skipped = next_digest(SUN, "02:30", "America/New_York", _utc(2027, 3, 10))
    assert skipped.local_day == date(2027, 3, 14)
    assert skipped.due_at == _utc(2027, 3, 14, 7, 30)
    assert next_digest(SUN, "02:30", "America/New_York", skipped.due_at).due_at == _utc(
        2027, 3, 21, 6, 30
    )


def test_a_time_that_happens_twice_goes_out_once_at_the_first() -> None:
    # 01:30 happens twice in New York on 7 November 2027: 05:30 UTC (EDT), then 06:30 UTC (EST)
    first = next_digest(SUN, "01:30", "America/New_York", _utc(2027, 11, 5))
    assert first.due_at == _utc(2027, 11, 7, 5, 30)
    between = _utc(2027, 11, 7, 6)  # after the first 01:30, before the second
    assert next_digest(SUN, "01:30", "America/New_York", between).local_day == date(2027, 11, 14)
    assert next_digest(SUN, "01:30", "America/New_York", first.due_at).due_at == _utc(
        2027, 11, 14, 6, 30
    )


def test_the_day_is_the_servers_day_not_utcs() -> None:
    # Monday 08:00 in Tokyo is Sunday 23:00 UTC
    moment = next_digest(MON, "08:00", "Asia/Tokyo", _utc(2027, 3, 1))
    assert moment.local_day == date(2027, 3, 8)
    assert moment.due_at == _utc(2027, 3, 7, 23)
    assert moment.key == "digest:20270308"
    assert day_of_key(moment.key) == date(2027, 3, 8)


@pytest.mark.parametrize(
    ("after", "day"),
    [
        (_utc(2027, 3, 3, 12), date(2027, 3, 8)),  # a Wednesday: next Monday
        (_utc(2027, 3, 8, 8, 59), date(2027, 3, 8)),  # Monday before nine: today
        (_utc(2027, 3, 8, 9), date(2027, 3, 15)),  # Monday at nine: strictly after, next week
    ],
)
def test_the_next_digest_is_the_first_one_strictly_after(after: datetime, day: date) -> None:
    assert next_digest(MON, "09:00", "UTC", after).local_day == day


@pytest.mark.parametrize(
    "key", ["reminder:60@20270310T1030", "digest:2027031", "digest:20271345", "digest:"]
)
def test_a_key_that_is_not_a_digests_names_no_day(key: str) -> None:
    assert day_of_key(key) is None
