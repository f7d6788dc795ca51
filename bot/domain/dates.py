"""Launch dates as honest windows: a span of time plus the precision it was given with.

``parse_date`` turns what a user typed into a ``DateWindow``; ``render_date`` turns it back into
text that parses to the same window. Vague dates ("late December 2021", "Q1 2022") become the
local calendar span in a time zone, converted to UTC; they are never shown as a fake timestamp.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from bot.domain.errors import InvalidDate
from bot.domain.vocabulary import Precision
from bot.domain.zones import ZONE_HINT, canonical_zone_name, offset_name, zone_for

__all__ = [
    "LONGEST_WINDOW",
    "ZONE_HINT",
    "DateWindow",
    "Precision",
    "canonical_zone_name",
    "parse_date",
    "render_date",
    "render_short",
    "window_from_record",
    "window_to_record",
    "zone_for",
]


@dataclass(frozen=True, slots=True)
class DateWindow:
    """``start`` inclusive, ``end`` exclusive, both aware UTC; ``tz``: the zone it was given in."""

    start: datetime
    end: datetime
    precision: Precision
    tz: str


MIN_YEAR, MAX_YEAR = 1970, 2200
LONGEST_WINDOW = timedelta(days=367)
"""No window is longer (a leap year, plus a zone's offset change): a launch whose window ends
after a moment starts after that moment less this, which lets a query seek on window_start."""
MAX_LENGTH = 200
EXAMPLES = (
    '"2021-12-28 19:30 Asia/Shanghai", "Dec 28 2021 7:30 pm UTC+8", "28 December 2021", '
    '"2021-12-28", "early December 2021" (or mid, late), "December 2021", "Q1 2022", "H2 2022" '
    'and "2022"'
)
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH_NUMBERS = {name.lower(): i for i, name in enumerate(MONTHS, 1)} | {
    name[:3].lower(): i for i, name in enumerate(MONTHS, 1)
}
_MONTH_NUMBERS["sept"] = 9
_PARTS = {"early": 1, "mid": 11, "middle": 11, "late": 21}
_FILLER = frozenset({"of", "at", "am", "pm", "a", "m", "p", "st", "nd", "rd", "th", "t", "q", "h"})
_KNOWN_WORDS = frozenset(_MONTH_NUMBERS) | frozenset(_PARTS) | _FILLER

_FLAGS = re.IGNORECASE | re.ASCII
_YEAR = r"(?P<year>\d{4})"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_MON = r"(?P<month>[a-z]+)\.?"
_TIME = (
    r"(?:\s*,\s*|\s+at\s+|\s+|t)(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"\s*(?:(?P<ampm>[ap])\.?m\.?)?"
)
_DATE_FORMS = (
    rf"{_DAY}\s+(?:of\s+)?{_MON},?\s+{_YEAR}",
    rf"{_MON}\s+{_DAY},?\s+{_YEAR}",
    rf"{_YEAR}(?P<sep>[-/.])(?P<mnum>\d{{1,2}})(?P=sep){_DAY}",
)
_EXACT_OR_DAY = [re.compile(f"{form}(?:{_TIME})?", _FLAGS) for form in _DATE_FORMS]
_PART = re.compile(rf"(?P<part>[a-z]+)(?:\s*-\s*|\s+)(?:of\s+)?{_MON},?\s+{_YEAR}", _FLAGS)
_MONTH = [
    re.compile(rf"{_MON},?\s+{_YEAR}", _FLAGS),
    re.compile(rf"{_YEAR}[-/.](?P<mnum>\d{{1,2}})", _FLAGS),
]
_SPANS = [
    re.compile(rf"(?P<kind>[qh])\s*(?P<num>\d{{1,2}})\s*[-/,]?\s*{_YEAR}", _FLAGS),
    re.compile(rf"{_YEAR}\s*[-/,]?\s*(?P<kind>[qh])\s*(?P<num>\d{{1,2}})", _FLAGS),
]
_YEAR_ONLY = re.compile(_YEAR, _FLAGS)
_AMBIGUOUS = re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)", _FLAGS)
_ISO_ZONE = re.compile(
    r"(?<=:\d\d)\s*(?:(?P<z>z)|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2}))$", _FLAGS
)
_OFFSET_ZONE = re.compile(r"(?:^|(?<=[\s\d]))(?P<zone>(?:utc|gmt)(?:\s*[+-]\s*[\d:]+)?)$", _FLAGS)
_WORD_ZONE = re.compile(r"(?:^|\s+)(?P<zone>[a-z][a-z0-9_+\-/]*)$", _FLAGS)
_QH_WORD = re.compile(r"[qh]\d+", _FLAGS)


def _unreadable() -> InvalidDate:
    return InvalidDate(f"I couldn't read that as a date. Accepted forms include {EXAMPLES}.")


def parse_date(text: str, default_tz: str = "UTC") -> DateWindow:
    """Parse a launch date into a UTC window; raise ``InvalidDate`` with a user-facing message.

    A zone may follow any form (IANA name, ``UTC+8``, ``GMT-5``, ``Z``, or an ISO offset such as
    ``+08:00`` right after a time); otherwise ``default_tz`` is used. Vague dates are the local
    calendar span in that zone. An exact time is one minute long: ``[instant, instant + 1 min)``.
    A wall time that occurs twice (clocks going back) means its *first* occurrence (fold=0); one
    that never occurs (clocks jumping forward) is refused. Seconds other than ``:00`` are refused.
    """
    if len(text) > MAX_LENGTH:
        raise InvalidDate(f"That date is too long: use at most {MAX_LENGTH} characters.")
    body = " ".join(text.split()).replace(" ,", ",")
    if not body:
        raise InvalidDate(f"Please give a date. Accepted forms include {EXAMPLES}.")
    body, zone_name = _split_zone(body, default_tz)
    return _parse_body(body, zone_name)


def _split_zone(body: str, default_tz: str) -> tuple[str, str]:
    """Separate a trailing time zone from the date; return (date text, canonical zone name)."""
    if match := _ISO_ZONE.search(body):
        name = "UTC" if match["z"] else f"UTC{match['sign']}{match['oh']}:{match['om']}"
        return body[: match.start()], canonical_zone_name(name)
    if match := _OFFSET_ZONE.search(body):
        return body[: match.start()].rstrip(), canonical_zone_name(match["zone"])
    match = _WORD_ZONE.search(body)
    default = canonical_zone_name(default_tz)
    if match is None:
        return body, default
    word, rest = match["zone"], body[: match.start()]
    if word.lower() in _KNOWN_WORDS or _QH_WORD.fullmatch(word):
        return body, default
    try:
        return rest, canonical_zone_name(word)
    except InvalidDate:
        if "/" in word or _parses(rest, default):
            raise
        return body, default  # not a zone after all: let the date parser name the bad word


def _parses(body: str, zone_name: str) -> bool:
    try:
        _parse_body(body, zone_name)
    except InvalidDate:
        return False
    return True


def _parse_body(body: str, zone_name: str) -> DateWindow:
    zone = zone_for(zone_name)
    if not body:
        raise InvalidDate(f"Please give a date as well as the time zone, for example {EXAMPLES}.")
    if match := _AMBIGUOUS.search(body):
        raise _ambiguous(match)
    for pattern in _EXACT_OR_DAY:
        if match := pattern.fullmatch(body):
            return _exact_or_day(match, zone, zone_name)
    if match := _PART.fullmatch(body):
        part = _PARTS.get(match["part"].lower())
        if part is not None:
            year, month = _year(match), _month(match)
            end = _local(year, month + 1, 1) if part == 21 else _local(year, month, part + 10)
            return _span(_local(year, month, part), end, Precision.PART_OF_MONTH, zone, zone_name)
    for pattern in _MONTH:
        if match := pattern.fullmatch(body):
            year, month = _year(match), _month(match)
            return _span(
                _local(year, month), _local(year, month + 1), Precision.MONTH, zone, zone_name
            )
    for pattern in _SPANS:
        if match := pattern.fullmatch(body):
            return _quarter_or_half(match, zone, zone_name)
    if match := _YEAR_ONLY.fullmatch(body):
        year = _year(match)
        return _span(_local(year), _local(year + 1), Precision.YEAR, zone, zone_name)
    raise _why_not(body)


def _why_not(body: str) -> InvalidDate:
    words = re.findall(r"[a-z]+", body.lower())
    if not re.search(r"(?<!\d)\d{4}(?!\d)", body, _FLAGS) and (
        any(w in _MONTH_NUMBERS for w in words) or _QH_WORD.search(body)
    ):
        return InvalidDate(
            "That date needs a year, written with four digits, as in 28 December 2021, "
            "December 2021 or Q1 2022."
        )
    unknown = [w for w in words if w not in _KNOWN_WORDS]
    if unknown:
        return InvalidDate(
            f'I don\'t recognise "{unknown[0][:20]}" in that date. Write month names in English, '
            f"in full or shortened (December, Dec, Sept). Accepted forms include {EXAMPLES}."
        )
    return _unreadable()


def _ambiguous(match: re.Match[str]) -> InvalidDate:
    first, second, year_text = int(match[1]), int(match[3]), match[4]
    year = int(year_text) + 2000 if len(year_text) == 2 else int(year_text)
    in_range = MIN_YEAR <= year <= MAX_YEAR
    pairs = ((first, second), (second, first))
    readings = [(d, m) for d, m in pairs if in_range and _valid(year, m, d)]
    day, month = readings[0] if readings else (1, 2)
    year = year if readings else 2022
    meaning = " or ".join(f"{d} {MONTHS[m - 1]} {year}" for d, m in dict.fromkeys(readings))
    could = f" (it could mean {meaning})" if meaning else ""
    return InvalidDate(
        f'"{match[0]}" is ambiguous: day and month come in different orders around the '
        f"world{could}. Write the year first or the month as a word, for example "
        f'{year:04d}-{month:02d}-{day:02d} or "{day} {MONTHS[month - 1]} {year}".'
    )


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _year(match: re.Match[str]) -> int:
    year = int(match["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidDate(f"The year must be between {MIN_YEAR} and {MAX_YEAR}, not {year}.")
    return year


def _month(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("mnum") is not None:
        month = int(groups["mnum"])
        if not 1 <= month <= 12:
            raise InvalidDate(f"There is no month {month}: months run from 1 to 12.")
        return month
    word = match["month"].lower()
    if word not in _MONTH_NUMBERS:
        raise InvalidDate(
            f'"{word[:20]}" is not a month I know. Write month names in English, in full or '
            f"shortened (December, Dec, Sept). Accepted forms include {EXAMPLES}."
        )
    return _MONTH_NUMBERS[word]


def _local(year: int, month: int = 1, day: int = 1) -> tuple[int, int, int]:
    """A calendar day, with month 13 rolled over into January of the next year."""
    return (year + 1, 1, day) if month == 13 else (year, month, day)


def _exact_or_day(match: re.Match[str], zone: tzinfo, zone_name: str) -> DateWindow:
    year, month = _year(match), _month(match)
    day = int(match["day"])
    if not _valid(year, month, day):
        days = calendar.monthrange(year, month)[1]
        raise InvalidDate(
            f"{day} {MONTHS[month - 1]} {year} does not exist: {MONTHS[month - 1]} {year} has "
            f"{days} days."
        )
    if match["hour"] is None:
        start = _local(year, month, day)
        end_day = datetime(*start, tzinfo=UTC) + timedelta(days=1)
        return _span(
            start, (end_day.year, end_day.month, end_day.day), Precision.DAY, zone, zone_name
        )
    hour, minute = _clock(match)
    local = datetime(year, month, day, hour, minute, tzinfo=zone)
    instant = local.astimezone(UTC)
    if _wall(instant, zone) != local.replace(tzinfo=None):
        raise InvalidDate(
            f"{hour:02d}:{minute:02d} on {day} {MONTHS[month - 1]} {year} does not exist in "
            f"{zone_name}: the clocks jump forward over it (daylight saving time). Give a time "
            "outside the jump, or a UTC offset such as UTC+8."
        )
    return DateWindow(instant, instant + timedelta(minutes=1), Precision.EXACT, zone_name)


def _clock(match: re.Match[str]) -> tuple[int, int]:
    hour, ampm = int(match["hour"]), (match["ampm"] or "").lower()
    if match["minute"] is None and not ampm:
        raise InvalidDate(
            f"Write the time with minutes, as in {hour:02d}:00 or 7:30 pm, after the date."
        )
    minute = int(match["minute"] or 0)
    if match["second"] is not None and int(match["second"]) != 0:
        raise InvalidDate("Launch times are kept to the minute: leave out the seconds.")
    if ampm:
        if not 1 <= hour <= 12:
            raise InvalidDate("With am or pm the hour must be from 1 to 12 (use 19:30 or 7:30 pm).")
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59:
        raise InvalidDate("That is not a time of day: use 00:00 to 23:59, or 7:30 pm.")
    return hour, minute


def _quarter_or_half(match: re.Match[str], zone: tzinfo, zone_name: str) -> DateWindow:
    year, num, kind = _year(match), int(match["num"]), match["kind"].lower()
    if kind == "q" and not 1 <= num <= 4:
        raise InvalidDate(f"There is no Q{num}: a year has four quarters, Q1 to Q4.")
    if kind == "h" and not 1 <= num <= 2:
        raise InvalidDate(f"There is no H{num}: a year has two halves, H1 and H2.")
    months = 3 if kind == "q" else 6
    first = (num - 1) * months + 1
    precision = Precision.QUARTER if kind == "q" else Precision.HALF
    return _span(_local(year, first), _local(year, first + months), precision, zone, zone_name)


def _span(
    start: tuple[int, int, int],
    end: tuple[int, int, int],
    precision: Precision,
    zone: tzinfo,
    zone_name: str,
) -> DateWindow:
    first, after = _first_instant(start, zone), _first_instant(end, zone)
    if first >= after:  # a whole calendar day skipped, as Pacific/Apia did on 30 December 2011
        raise InvalidDate(f"That date never happened in {zone_name}: the zone skipped it.")
    return DateWindow(first, after, precision, zone_name)


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _first_instant(day: tuple[int, int, int], zone: tzinfo) -> datetime:
    """The first UTC instant at which the local calendar in ``zone`` shows ``day``.

    Usually local midnight; when midnight falls in a daylight-saving gap it is the moment the
    clocks jump. With fold=0 a gap time uses the offset from before the jump, which puts the guess
    at or after the jump, so a bisection over the two days before it finds the exact second.
    """
    local = datetime(*day, tzinfo=zone)
    guess = local.astimezone(UTC)
    naive = local.replace(tzinfo=None)
    if _wall(guess, zone) == naive:
        return guess
    base = guess - timedelta(days=2)
    low, high = 0, 2 * 86400
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(base + timedelta(seconds=middle), zone) >= naive:
            high = middle
        else:
            low = middle
    return base + timedelta(seconds=high)


def _local_start(window: DateWindow) -> datetime:
    return window.start.astimezone(zone_for(window.tz))


@lru_cache(maxsize=4096)  # windows repeat a great deal (a catalog's, a list's); text is costly
def render_date(window: DateWindow) -> str:
    """Human text for a window that ``parse_date`` reads back (with ``default_tz=window.tz``)."""
    local = _local_start(window)
    if window.precision is Precision.EXACT:
        return f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M} {window.tz}"
    return _render_vague(window.precision, local, MONTHS[local.month - 1])


def render_short(window: DateWindow) -> str:
    """Compact text for tables: exact times show the UTC offset in force, never an abbreviation."""
    local = _local_start(window)
    month = MONTHS[local.month - 1][:3]
    if window.precision is Precision.EXACT:
        return f"{local.day} {month} {local.year} {local:%H:%M} ({offset_name(local.utcoffset())})"
    return _render_vague(window.precision, local, month)


def _render_vague(precision: Precision, local: datetime, month: str) -> str:
    match precision:
        case Precision.DAY:
            return f"{local.day} {month} {local.year}"
        case Precision.PART_OF_MONTH:
            part = "early" if local.day <= 10 else "mid" if local.day <= 20 else "late"
            return f"{part} {month} {local.year}"
        case Precision.MONTH:
            return f"{month} {local.year}"
        case Precision.QUARTER:
            return f"Q{(local.month - 1) // 3 + 1} {local.year}"
        case Precision.HALF:
            return f"H{1 if local.month <= 6 else 2} {local.year}"
        case _:
            return f"{local.year}"


def window_to_record(window: DateWindow) -> tuple[datetime, datetime, str, str]:
    """``(start, end, precision, tz)`` for storage; start and end are aware UTC."""
    return window.start, window.end, window.precision.value, window.tz


def window_from_record(start: datetime, end: datetime, precision: str, tz: str) -> DateWindow:
    """Rebuild a stored window. Naive datetimes (SQLite drops the zone) are taken as UTC."""
    first, after = _as_utc(start), _as_utc(end)
    if first >= after:
        raise ValueError(f"stored date window is empty or reversed: {first} .. {after}")
    return DateWindow(first, after, Precision(precision), tz)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
