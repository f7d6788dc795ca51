"""Property tests for bot.domain.dates: no input crashes the parser, windows are never
reversed, rendering round-trips, and consecutive days tile with no gaps across DST changes."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain.dates import (
    LONGEST_WINDOW,
    MONTHS,
    DateWindow,
    Precision,
    canonical_zone_name,
    parse_date,
    render_date,
    render_short,
    window_from_record,
    window_to_record,
    zone_for,
)
from bot.domain.errors import InvalidDate

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Pacific/Kiritimati",
    "Africa/Monrovia",
    "UTC+08:00",
    "UTC-05:30",
    "UTC+14:00",
    "UTC-12:00",
]
# days on which some zone above changes its clocks (several of them at midnight)
DST_EDGES = [
    date(2022, 3, 27),
    date(2022, 10, 30),
    date(2022, 3, 13),
    date(2022, 11, 6),
    date(2018, 11, 4),
    date(2019, 2, 16),
    date(2019, 2, 17),
    date(2022, 9, 11),
    date(2022, 4, 3),
    date(2022, 10, 2),
    date(2011, 12, 29),
    date(2011, 12, 30),
    date(2011, 12, 31),
    date(1972, 1, 7),
    date(1994, 12, 31),
]
FRAGMENTS = [
    *MONTHS,
    "Dec",
    "sept",
    "early",
    "mid",
    "late",
    "of",
    "at",
    "Q1",
    "H2",
    "q5",
    "2022",
    "1969",
    "2200",
    "28",
    "31",
    "0",
    "19:30",
    "7pm",
    "12 am",
    "25:61",
    ":00",
    "T",
    "Z",
    "UTC",
    "UTC+8",
    "GMT-05:30",
    "+08:00",
    "-",
    "/",
    ".",
    ",",
    " ",
    "Asia/Shanghai",
    "Europe/Berlin",
    "CST",
    "Etc/GMT+8",
    "Nowhere/Land",
    "2021-12-28",
    "01/02/2022",
    "\x00",
    "٣",
    "é",
]


def _check_window(window: DateWindow) -> None:
    assert window.start < window.end <= window.start + LONGEST_WINDOW  # paging seeks on this
    assert window.start.utcoffset() == timedelta(0) and window.end.utcoffset() == timedelta(0)
    assert canonical_zone_name(window.tz) == window.tz
    assert parse_date(render_date(window), default_tz=window.tz) == window
    if window.precision is Precision.EXACT:
        assert window.end - window.start == timedelta(minutes=1)
    else:
        assert "00:00" not in render_short(window)


FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    text=st.one_of(
        st.text(max_size=220),
        st.lists(st.sampled_from(FRAGMENTS), max_size=8).map(" ".join),
        st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join),
    ),
    default_tz=st.sampled_from(ZONES),
)
@example(text="2022-03-27 02:30 Europe/Berlin", default_tz="UTC")
@example(text="UTC+99", default_tz="UTC")
def test_arbitrary_text_only_raises_invalid_date(text: str, default_tz: str) -> None:
    try:
        window = parse_date(text, default_tz=default_tz)
    except InvalidDate as error:
        assert str(error) and "\n" not in str(error)
        return
    _check_window(window)


@st.composite
def window_texts(draw: st.DrawFn) -> tuple[str, str]:
    """Text for a window of any precision, often on a day when some zone changes its clocks."""
    zone = draw(st.sampled_from(ZONES))
    day = draw(
        st.one_of(st.sampled_from(DST_EDGES), st.dates(date(1970, 1, 1), date(2200, 12, 31)))
    )
    month_name = MONTHS[day.month - 1]
    month = draw(st.sampled_from([month_name, month_name[:3], month_name.lower()]))
    kind = draw(st.sampled_from(list(Precision)))
    if kind is Precision.EXACT:
        hour = draw(st.one_of(st.integers(0, 3), st.integers(0, 23)))
        minute = draw(st.sampled_from([0, 15, 30, 45, 59]))
        zone_part = draw(st.sampled_from(["", f" {zone}"]))
        text = f"{day.isoformat()} {hour:02d}:{minute:02d}{zone_part}"
    elif kind is Precision.DAY:
        text = draw(st.sampled_from([day.isoformat(), f"{day.day} {month} {day.year}"]))
    elif kind is Precision.PART_OF_MONTH:
        text = f"{draw(st.sampled_from(['early', 'mid', 'late']))} {month} {day.year}"
    elif kind is Precision.MONTH:
        text = f"{month} {day.year}"
    elif kind is Precision.QUARTER:
        text = f"Q{(day.month - 1) // 3 + 1} {day.year}"
    elif kind is Precision.HALF:
        text = f"H{draw(st.integers(1, 2))} {day.year}"
    else:
        text = str(day.year)
    return text, zone


@FAST
@given(window_texts())
def test_render_parse_round_trip(case: tuple[str, str]) -> None:
    text, zone = case
    try:
        window = parse_date(text, default_tz=zone)
    except InvalidDate as error:  # only a DST gap or a skipped day may refuse a well-formed date
        assert "does not exist in" in str(error) or "never happened" in str(error)
        return
    _check_window(window)
    assert window_from_record(*window_to_record(window)) == window
    if window.precision is not Precision.EXACT:
        local = window.start.astimezone(zone_for(window.tz))
        assert render_short(window).endswith(str(local.year))


@FAST
@given(zone=st.sampled_from(ZONES), day=st.one_of(st.sampled_from(DST_EDGES), st.dates()))
def test_days_tile_without_gaps(zone: str, day: date) -> None:
    """Consecutive local days meet exactly, even across clock changes at midnight."""
    if not date(1970, 1, 2) <= day <= date(2200, 12, 30):
        return
    try:
        today = parse_date(day.isoformat(), default_tz=zone)
        tomorrow = parse_date((day + timedelta(days=1)).isoformat(), default_tz=zone)
    except InvalidDate as error:
        assert "never happened" in str(error)
        return
    assert today.end == tomorrow.start
    assert today.start.astimezone(zone_for(zone)).date() == day
