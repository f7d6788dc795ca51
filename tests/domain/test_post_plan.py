"""Which posts a launch gets, and when, for each precision and status; digest-style mornings
stay at 09:00 local time on both sides of a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.dates import DateWindow
from bot.domain.offsets import format_offsets, parse_offsets
from bot.domain.post_plan import PlannedPost, PostKind, plan_launch_posts
from bot.domain.vocabulary import LaunchStatus, Precision
from bot.domain.zones import zone_for

OFFSETS = (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def _exact(start: datetime) -> DateWindow:
    return DateWindow(start, start + timedelta(minutes=1), Precision.EXACT, "Asia/Shanghai")


def _day(year: int, month: int, day: int, zone: str = "Europe/Berlin") -> DateWindow:
    start = datetime(year, month, day, tzinfo=zone_for(zone)).astimezone(UTC)
    return DateWindow(start, start + timedelta(days=1), Precision.DAY, zone)


def _times(posts: list[PlannedPost]) -> list[tuple[str, datetime]]:
    return [(p.key, p.due_at) for p in posts]


def test_an_exact_time_gets_each_offset_and_the_launch_post() -> None:
    start = datetime(2021, 12, 28, 11, 30, tzinfo=UTC)  # 19:30 in Shanghai
    posts = plan_launch_posts(_exact(start), LaunchStatus.CONFIRMED, OFFSETS, "UTC", LONG_AGO)
    assert _times(posts) == [
        ("reminder:10080", start - timedelta(days=7)),
        ("reminder:1440", start - timedelta(days=1)),
        ("reminder:60", start - timedelta(hours=1)),
        ("launch:0", start),
    ]
    one_hour = posts[2]
    assert one_hour.expires_at == start - timedelta(minutes=45)
    assert posts[0].expires_at == posts[0].due_at + timedelta(hours=6)
    assert posts[-1].kind is PostKind.LAUNCH and posts[-1].expires_at == start + timedelta(hours=1)


def test_posts_whose_grace_is_over_are_not_planned() -> None:
    start = datetime(2027, 5, 1, 12, tzinfo=UTC)
    late = start - timedelta(minutes=50)  # the 1 h reminder is 10 min late: still useful
    keys = [
        p.key for p in plan_launch_posts(_exact(start), LaunchStatus.RUMORED, OFFSETS, "UTC", late)
    ]
    assert keys == ["reminder:60", "launch:0"]
    too_late = start - timedelta(minutes=40)
    keys = [
        p.key
        for p in plan_launch_posts(_exact(start), LaunchStatus.RUMORED, OFFSETS, "UTC", too_late)
    ]
    assert keys == ["launch:0"]
    after = start + timedelta(minutes=59)
    assert [
        p.key
        for p in plan_launch_posts(_exact(start), LaunchStatus.CONFIRMED, OFFSETS, "UTC", after)
    ] == ["launch:0"]
    assert (
        plan_launch_posts(
            _exact(start), LaunchStatus.CONFIRMED, OFFSETS, "UTC", start + timedelta(hours=1)
        )
        == []
    )


def test_a_day_gets_morning_posts_in_the_servers_zone_across_a_dst_change() -> None:
    # Europe/Berlin moves to summer time on Sunday 28 March 2027.
    posts = plan_launch_posts(
        _day(2027, 3, 28), LaunchStatus.CONFIRMED, OFFSETS, "Europe/Berlin", LONG_AGO
    )
    assert _times(posts) == [
        ("reminder:10080", datetime(2027, 3, 21, 8, tzinfo=UTC)),  # 09:00 CET
        ("reminder:1440", datetime(2027, 3, 27, 8, tzinfo=UTC)),  # 09:00 CET
        ("launch:0", datetime(2027, 3, 28, 7, tzinfo=UTC)),  # 09:00 CEST
    ]
    assert posts[-1].expires_at == datetime(2027, 3, 28, 22, tzinfo=UTC)  # midnight CEST
    # New York moves back on 7 November 2027: the day before is EDT, the day itself EST.
    autumn = plan_launch_posts(
        _day(2027, 11, 7, "America/New_York"),
        LaunchStatus.CONFIRMED,
        (timedelta(days=1),),
        "America/New_York",
        LONG_AGO,
    )
    assert _times(autumn) == [
        ("reminder:1440", datetime(2027, 11, 6, 13, tzinfo=UTC)),
        ("launch:0", datetime(2027, 11, 7, 14, tzinfo=UTC)),
    ]


def test_the_day_is_the_launchs_own_and_the_morning_the_servers() -> None:
    # 28 December in Shanghai starts on 27 December in UTC; a server in London still
    # hears about it on the 28th at 09:00 London time.
    posts = plan_launch_posts(
        _day(2021, 12, 28, "Asia/Shanghai"), LaunchStatus.CONFIRMED, (), "Europe/London", LONG_AGO
    )
    assert _times(posts) == [("launch:0", datetime(2021, 12, 28, 9, tzinfo=UTC))]


@pytest.mark.parametrize(
    "precision",
    [Precision.PART_OF_MONTH, Precision.MONTH, Precision.QUARTER, Precision.HALF, Precision.YEAR],
)
def test_vague_windows_get_no_countdown(precision: Precision) -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    window = DateWindow(start, start + timedelta(days=90), precision, "UTC")
    assert plan_launch_posts(window, LaunchStatus.CONFIRMED, OFFSETS, "UTC", LONG_AGO) == []


@pytest.mark.parametrize("status", [LaunchStatus.CANCELLED, LaunchStatus.LAUNCHED])
def test_finished_launches_get_nothing_more(status: LaunchStatus) -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    assert plan_launch_posts(_exact(start), status, OFFSETS, "UTC", LONG_AGO) == []
    assert plan_launch_posts(None, LaunchStatus.CONFIRMED, OFFSETS, "UTC", LONG_AGO) == []


def test_hour_offsets_need_an_exact_time_and_planning_is_repeatable() -> None:
    offsets = (timedelta(days=2), timedelta(hours=30), timedelta(hours=2))
    window = _day(2027, 6, 10)
    posts = plan_launch_posts(window, LaunchStatus.RUMORED, offsets, "Europe/Berlin", LONG_AGO)
    assert [p.key for p in posts] == ["reminder:2880", "launch:0"]
    again = plan_launch_posts(window, LaunchStatus.RUMORED, offsets, "Europe/Berlin", LONG_AGO)
    assert again == posts


def test_offsets_take_weeks() -> None:
    assert parse_offsets("1w, 1d, 1h") == [timedelta(days=7), timedelta(days=1), timedelta(hours=1)]
    assert format_offsets(parse_offsets("2w")) == "14d"
