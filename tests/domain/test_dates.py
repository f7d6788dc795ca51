"""Tests for bot.domain.dates (and the zone helpers it re-exports)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.domain.dates import (
    EXAMPLES,
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

E, D, P, M, Q, H, Y = (
    Precision.EXACT,
    Precision.DAY,
    Precision.PART_OF_MONTH,
    Precision.MONTH,
    Precision.QUARTER,
    Precision.HALF,
    Precision.YEAR,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def at(text: str) -> datetime:
    """An aware UTC datetime from "YYYY-MM-DD HH:MM" (time optional)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def row(
    text: str, default: str, start: str, end: str | None, precision: Precision, tz: str
) -> object:
    """One accepted input; ``end=None`` means the one-minute window of an exact time."""
    first = at(start)
    after = at(end) if end else first + timedelta(minutes=1)
    return pytest.param(text, default, first, after, precision, tz, id=text.strip())


SH, BER, NY = "Asia/Shanghai", "Europe/Berlin", "America/New_York"
ACCEPTED = [
    # the required forms
    row("2021-12-28 19:30 Asia/Shanghai", "UTC", "2021-12-28 11:30", None, E, SH),
    row("Dec 28 2021 19:30 UTC+8", "UTC", "2021-12-28 11:30", None, E, "UTC+08:00"),
    row("28 December 2021", "UTC", "2021-12-28", "2021-12-29", D, "UTC"),
    row("December 2021", "UTC", "2021-12-01", "2022-01-01", M, "UTC"),
    row("early December 2021", "UTC", "2021-12-01", "2021-12-11", P, "UTC"),
    row("mid December 2021", "UTC", "2021-12-11", "2021-12-21", P, "UTC"),
    row("late December 2021", "UTC", "2021-12-21", "2022-01-01", P, "UTC"),
    row("Q1 2022", "UTC", "2022-01-01", "2022-04-01", Q, "UTC"),
    row("H2 2022", "UTC", "2022-07-01", "2023-01-01", H, "UTC"),
    row("2022", "UTC", "2022-01-01", "2023-01-01", Y, "UTC"),
    # vague windows are local calendar spans in the default zone ...
    row("28 December 2021", SH, "2021-12-27 16:00", "2021-12-28 16:00", D, SH),
    row("Q1 2022", BER, "2021-12-31 23:00", "2022-03-31 22:00", Q, BER),
    row("late February 2024", "UTC", "2024-02-21", "2024-03-01", P, "UTC"),
    row("Q4 2022", "UTC", "2022-10-01", "2023-01-01", Q, "UTC"),
    row("H1 2022", "UTC+08:00", "2021-12-31 16:00", "2022-06-30 16:00", H, "UTC+08:00"),
    row("2022", NY, "2022-01-01 05:00", "2023-01-01 05:00", Y, NY),
    # ... or in a zone named after the date
    row("28 December 2021 Asia/Shanghai", "UTC", "2021-12-27 16:00", "2021-12-28 16:00", D, SH),
    row("December 2021 UTC-5", "UTC", "2021-12-01 05:00", "2022-01-01 05:00", M, "UTC-05:00"),
    # spelling variants
    row("28 Dec 2021", "UTC", "2021-12-28", "2021-12-29", D, "UTC"),
    row("28 dec. 2021", "UTC", "2021-12-28", "2021-12-29", D, "UTC"),
    row("28th of December 2021", "UTC", "2021-12-28", "2021-12-29", D, "UTC"),
    row("December 28, 2021", "UTC", "2021-12-28", "2021-12-29", D, "UTC"),
    row("  DECEMBER   28 ,  2021 ", "UTC", "2021-12-28", "2021-12-29", D, "UTC"),
    row("2021-12-28", "UTC", "2021-12-28", "2021-12-29", D, "UTC"),
    row("2021/12/28", "UTC", "2021-12-28", "2021-12-29", D, "UTC"),
    row("2021-12", "UTC", "2021-12-01", "2022-01-01", M, "UTC"),
    row("Sept 2022", "UTC", "2022-09-01", "2022-10-01", M, "UTC"),
    row("sep 5 2022", "UTC", "2022-09-05", "2022-09-06", D, "UTC"),
    row("Mid-Sept 2022", "UTC", "2022-09-11", "2022-09-21", P, "UTC"),
    row("LATE dec 2021", "UTC", "2021-12-21", "2022-01-01", P, "UTC"),
    row("q3 2022", "UTC", "2022-07-01", "2022-10-01", Q, "UTC"),
    row("2022 Q3", "UTC", "2022-07-01", "2022-10-01", Q, "UTC"),
    row("2022-H1", "UTC", "2022-01-01", "2022-07-01", H, "UTC"),
    # exact times: 24h, am/pm, ISO, zones; no zone means the default zone
    row("2021-12-28T19:30", "UTC", "2021-12-28 19:30", None, E, "UTC"),
    row("2021-12-28T19:30:00Z", "Asia/Tokyo", "2021-12-28 19:30", None, E, "UTC"),
    row("2021-12-28T19:30+08:00", "UTC", "2021-12-28 11:30", None, E, "UTC+08:00"),
    row("2021-12-28 19:30 Europe/Berlin", "UTC", "2021-12-28 18:30", None, E, BER),
    row("2021-12-28 19:30", BER, "2021-12-28 18:30", None, E, BER),
    row("28 Dec 2021 7pm", "UTC", "2021-12-28 19:00", None, E, "UTC"),
    row("28 Dec 2021 at 7:30 p.m. UTC", "UTC", "2021-12-28 19:30", None, E, "UTC"),
    row("28 Dec 2021, 12am", "UTC", "2021-12-28 00:00", None, E, "UTC"),
    row("28 Dec 2021 12 pm", "UTC", "2021-12-28 12:00", None, E, "UTC"),
    row("Dec 28 2021 19:30 GMT+8", "UTC", "2021-12-28 11:30", None, E, "UTC+08:00"),
    row("Dec 28 2021 19:30 UTC-05:30", "UTC", "2021-12-29 01:00", None, E, "UTC-05:30"),
    row("Dec 28 2021 19:30 utc+0800", "UTC", "2021-12-28 11:30", None, E, "UTC+08:00"),
    row("2021-12-28 19:30 asia/shanghai", "UTC", "2021-12-28 11:30", None, E, SH),
    row("2021-12-28 19:30 Z", "Asia/Tokyo", "2021-12-28 19:30", None, E, "UTC"),
    row("2021-12-28 19:30 UTC+0", "UTC", "2021-12-28 19:30", None, E, "UTC"),
    row("2021-12-28 19:30:00", "UTC", "2021-12-28 19:30", None, E, "UTC"),
    # DST: a repeated hour means its first occurrence; midnight inside a gap starts at the jump
    row("2022-10-30 02:30 Europe/Berlin", "UTC", "2022-10-30 00:30", None, E, BER),
    row("2022-11-06 01:30", NY, "2022-11-06 05:30", None, E, NY),
    row("27 March 2022", BER, "2022-03-26 23:00", "2022-03-27 22:00", D, BER),
    row("4 November 2018", "America/Sao_Paulo", "2018-11-04 03:00", "2018-11-05 02:00", D,
        "America/Sao_Paulo"),
    row("2 October 2022", "Australia/Lord_Howe", "2022-10-01 13:30", "2022-10-02 13:00", D,
        "Australia/Lord_Howe"),
    row("29 December 2011", "Pacific/Apia", "2011-12-29 10:00", "2011-12-30 10:00", D,
        "Pacific/Apia"),
    # range limits
    row("1970", "UTC", "1970-01-01", "1971-01-01", Y, "UTC"),
    row("late December 2200", "UTC", "2200-12-21", "2201-01-01", P, "UTC"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "default_tz", "start", "end", "precision", "tz"),
    ACCEPTED,
)
def test_accepted_forms(
    text: str, default_tz: str, start: datetime, end: datetime, precision: Precision, tz: str
) -> None:
    window = parse_date(text, default_tz=default_tz)
    assert window == DateWindow(start, end, precision, tz)
    assert window.start.tzinfo is UTC and window.end.tzinfo is UTC
    assert parse_date(render_date(window), default_tz=window.tz) == window


@pytest.mark.parametrize(
    ("text", "default_tz", "rendered", "short"),
    [
        (
            "2021-12-28 19:30 Asia/Shanghai",
            "UTC",
            "28 December 2021 19:30 Asia/Shanghai",
            "28 Dec 2021 19:30 (UTC+08:00)",
        ),
        (
            "Dec 28 2021 7:30 pm UTC+8",
            "UTC",
            "28 December 2021 19:30 UTC+08:00",
            "28 Dec 2021 19:30 (UTC+08:00)",
        ),
        (
            "2022-07-01 09:05",
            "Europe/Berlin",
            "1 July 2022 09:05 Europe/Berlin",
            "1 Jul 2022 09:05 (UTC+02:00)",
        ),
        (
            "2022-01-01 09:05",
            "Europe/Berlin",
            "1 January 2022 09:05 Europe/Berlin",
            "1 Jan 2022 09:05 (UTC+01:00)",
        ),
        ("2022-01-01 09:05 Z", "UTC", "1 January 2022 09:05 UTC", "1 Jan 2022 09:05 (UTC)"),
        ("2021-12-28", "Asia/Shanghai", "28 December 2021", "28 Dec 2021"),
        ("early sept 2022", "UTC", "early September 2022", "early Sep 2022"),
        ("mid December 2021", "UTC", "mid December 2021", "mid Dec 2021"),
        ("late December 2021", "UTC-05:00", "late December 2021", "late Dec 2021"),
        ("December 2021", "UTC", "December 2021", "Dec 2021"),
        ("Q1 2022", "America/New_York", "Q1 2022", "Q1 2022"),
        ("H2 2022", "UTC", "H2 2022", "H2 2022"),
        ("2022", "Asia/Kolkata", "2022", "2022"),
    ],
)
def test_render(text: str, default_tz: str, rendered: str, short: str) -> None:
    window = parse_date(text, default_tz=default_tz)
    assert render_date(window) == rendered
    assert render_short(window) == short


EXAMPLES_MENTIONED = ("28 December 2021", "Q1 2022", "2021-12-28 19:30 Asia/Shanghai")

REJECTED = [
    ("", ["give a date", *EXAMPLES_MENTIONED]),
    ("   ", ["give a date"]),
    ("hello world", ['"hello"', *EXAMPLES_MENTIONED]),
    ("next tuesday", ['"next"', *EXAMPLES_MENTIONED]),
    ("!!!", EXAMPLES_MENTIONED),
    ("28", EXAMPLES_MENTIONED),
    ("December 28", ["needs a year"]),
    ("28 December", ["needs a year"]),
    ("late December", ["needs a year"]),
    ("Q1", ["needs a year"]),
    ("01/02/2022", ["ambiguous", "2022-02-01", '"1 February 2022"']),
    ("1.2.2022", ["ambiguous", "2022-02-01", '"1 February 2022"']),
    ("02-01-2022 19:30", ["ambiguous"]),
    ("13/02/22", ["ambiguous", "2022-02-13"]),
    ("31 February 2022", ["31 February 2022 does not exist", "28 days"]),
    ("29 February 2023", ["does not exist"]),
    ("2022-13-01", ["no month 13"]),
    ("2022-00", ["no month 0"]),
    ("Q5 2022", ["no Q5", "Q1 to Q4"]),
    ("Q0 2022", ["no Q0"]),
    ("H3 2022", ["no H3", "H1 and H2"]),
    ("Decembr 2021", ['"decembr" is not a month', "December, Dec"]),
    ("28 Decembre 2021", ['"decembre" is not a month']),
    ("soon 2021", ['"soon"']),
    ("2021-12-28 19:30 Mars/Olympus", ['"Mars/Olympus"', "IANA", "Europe/Berlin", "UTC+8"]),
    ("December 2021 Atlantis", ['"Atlantis"', "IANA"]),
    ("2021-12-28 19:30 CST", ['"CST"', "abbreviation", "ambiguous", "IANA", "Asia/Shanghai"]),
    ("2021-12-28 19:30 pst", ['"PST"', "abbreviation"]),
    ("28 December 2021 EST", ['"EST"', "abbreviation"]),
    ("2021-12-28 19:30 UTC+25", ["UTC-14 to UTC+14"]),
    ("2021-12-28 19:30 UTC+5:75", ["minutes"]),
    ("2021-12-28 19:30 UTC+5:3", ["UTC+08:00"]),
    (
        "2022-03-27 02:30 Europe/Berlin",
        ["02:30 on 27 March 2022 does not exist", "Europe/Berlin", "clocks"],
    ),
    ("2022-03-13 02:15", ["does not exist in America/New_York"]),
    ("30 December 2011 Pacific/Apia", ["never happened", "Pacific/Apia"]),
    ("1969", ["between 1970 and 2200"]),
    ("December 2201", ["between 1970 and 2200"]),
    ("1 January 1900", ["between 1970 and 2200"]),
    ("x" * 201, ["too long", "200"]),
    ("2021-12-28 " + " " * 195, ["too long"]),
    ("2021-12-28 19", ["minutes"]),
    ("2021-12-28 24:00", ["time of day"]),
    ("2021-12-28 19:60", ["time of day"]),
    ("2021-12-28 13pm", ["1 to 12"]),
    ("2021-12-28 0am", ["1 to 12"]),
    ("2021-12-28 19:30:15", ["to the minute"]),
    ("Asia/Shanghai", ["as well as the time zone"]),
    ("December 2021 19:30", EXAMPLES_MENTIONED),
    ("28 Dec 21", ["needs a year", "four digits"]),
    ("٢٠٢٢", EXAMPLES_MENTIONED),
]


@pytest.mark.parametrize(("text", "fragments"), REJECTED, ids=[r[0][:30] for r in REJECTED])
def test_rejected(text: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_date(text, default_tz="America/New_York")
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(".")
    for fragment in fragments:
        assert fragment in message


def test_examples_in_messages_parse() -> None:
    examples = re.findall(r'"([^"]+)"', EXAMPLES)
    assert len(examples) >= 8
    for text in examples:
        parse_date(text)


def test_bad_default_zone_is_invalid_date() -> None:
    with pytest.raises(InvalidDate, match="IANA"):
        parse_date("2022", default_tz="Nowhere/Special")


# zones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "canonical", "offset"),
    [
        ("Asia/Shanghai", "Asia/Shanghai", timedelta(hours=8)),
        ("asia/SHANGHAI", "Asia/Shanghai", timedelta(hours=8)),
        (" Europe/Berlin ", "Europe/Berlin", timedelta(hours=1)),
        ("UTC", "UTC", timedelta(0)),
        ("utc", "UTC", timedelta(0)),
        ("Z", "UTC", timedelta(0)),
        ("UTC+0", "UTC", timedelta(0)),
        ("GMT-00:00", "UTC", timedelta(0)),
        ("UTC+8", "UTC+08:00", timedelta(hours=8)),
        ("UTC+08:00", "UTC+08:00", timedelta(hours=8)),
        ("utc +0800", "UTC+08:00", timedelta(hours=8)),
        ("GMT+8", "UTC+08:00", timedelta(hours=8)),
        ("UTC-05:30", "UTC-05:30", -timedelta(hours=5, minutes=30)),
        ("UTC+14", "UTC+14:00", timedelta(hours=14)),
        ("Etc/GMT+8", "Etc/GMT+8", -timedelta(hours=8)),  # POSIX sign, as IANA defines it
        ("Japan", "Japan", timedelta(hours=9)),
        ("GMT", "GMT", timedelta(0)),
    ],
)
def test_zones(name: str, canonical: str, offset: timedelta) -> None:
    assert canonical_zone_name(name) == canonical
    assert canonical_zone_name(canonical) == canonical
    winter = datetime(2022, 1, 15, 12, tzinfo=UTC)
    assert zone_for(name).utcoffset(winter.astimezone(zone_for(name))) == offset


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("Mars/Olympus", "use an IANA zone name such as Europe/Berlin or an offset such as UTC+8"),
        ("", "empty"),
        ("../../etc/passwd", "IANA"),
        ("/etc/localtime", "IANA"),
        ("localtime", "IANA"),
        ("Asia", "IANA"),
        ("Paris", "IANA"),
        ("CST", "abbreviation"),
        ("cest", "abbreviation"),
        ("PRC", "abbreviation"),
        ("UTC+15", "UTC+14"),
        ("UTC+8:60", "minutes"),
        ("UTC+8.5", "UTC-05:30"),
        ("x\x00y", "IANA"),
    ],
)
def test_bad_zones(name: str, fragment: str) -> None:
    with pytest.raises(InvalidDate) as caught:
        zone_for(name)
    assert fragment in str(caught.value)
    with pytest.raises(InvalidDate):
        canonical_zone_name(name)


def test_fixed_offset_zone_names_itself() -> None:
    zone = zone_for("UTC+8")
    assert zone == timezone(timedelta(hours=8))
    assert zone.tzname(None) == "UTC+08:00"


# records -----------------------------------------------------------------------------------


def test_record_round_trip() -> None:
    window = parse_date("late December 2021", default_tz="Asia/Shanghai")
    record = window_to_record(window)
    assert record == (window.start, window.end, "part_of_month", "Asia/Shanghai")
    assert window_from_record(*record) == window


def test_record_from_naive_and_other_zone() -> None:
    window = parse_date("2021-12-28 19:30 Asia/Shanghai")
    naive = window.start.replace(tzinfo=None), window.end.replace(tzinfo=None)
    assert window_from_record(*naive, "exact", "Asia/Shanghai") == window
    shanghai = zone_for("Asia/Shanghai")
    local = window.start.astimezone(shanghai), window.end.astimezone(shanghai)
    rebuilt = window_from_record(*local, Precision.EXACT, "Asia/Shanghai")
    assert rebuilt == window
    assert rebuilt.start.tzinfo is UTC


def test_record_rejects_reversed_window() -> None:
    with pytest.raises(ValueError, match="empty or reversed"):
        window_from_record(utc(2022, 1, 2), utc(2022, 1, 1), "day", "UTC")
