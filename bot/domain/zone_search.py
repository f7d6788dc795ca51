"""Finding IANA zones the way people name them: by city, country or common name.

"Beijing", "Shenzhen", "India", "New York", "Pacific Time" and "Asia/Sha" all find their zone.
Countries come from the zone database's own tables (``zone.tab`` and ``iso3166.tab``, read from
the ``tzdata`` package or the system's zone directory, whichever ``zoneinfo`` would use), so
every country is covered; the big cities and common names that are not zone names are listed
below. Only names that ``canonical_zone_name`` accepts are ever suggested.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, available_timezones

from bot.domain.errors import InvalidDate
from bot.domain.zones import canonical_zone_name, offset_name, zone_for

__all__ = ["ZoneMatch", "find_zones", "utc_offset_now"]

# Cities and common names that are not part of a zone's name, for the communities the bot serves
# first (China, India, South and East Asia) and the places phone launches happen.
PLACES: dict[str, tuple[str, ...]] = {
    "Asia/Shanghai": (
        "Beijing", "Shenzhen", "Guangzhou", "Chengdu", "Hangzhou", "Wuhan", "Nanjing", "Xi'an",
        "Tianjin", "Dongguan", "Suzhou", "Chongqing", "Beijing Time", "China Standard Time",
    ),
    "Asia/Kolkata": (
        "Mumbai", "Bombay", "Delhi", "New Delhi", "Bengaluru", "Bangalore", "Chennai", "Madras",
        "Hyderabad", "Pune", "Ahmedabad", "Noida", "Gurugram", "Gurgaon", "Calcutta",
        "India Standard Time", "Indian Standard Time",
    ),
    "Asia/Karachi": ("Lahore", "Islamabad", "Pakistan Standard Time"),
    "Asia/Ho_Chi_Minh": ("Hanoi", "Saigon", "Ho Chi Minh City"),
    "Asia/Seoul": ("Busan", "Korea Standard Time"),
    "Asia/Tokyo": ("Osaka", "Kyoto", "Japan Standard Time"),
    "Asia/Dubai": ("Abu Dhabi", "Gulf Standard Time"),
    "Asia/Riyadh": ("Jeddah", "Mecca"),
    "Asia/Jerusalem": ("Tel Aviv",),
    "Europe/Istanbul": ("Ankara",),
    "Europe/Berlin": ("Munich", "Frankfurt", "Hamburg", "Central European Time"),
    "Europe/Madrid": ("Barcelona",),
    "Europe/Rome": ("Milan",),
    "Europe/London": ("Manchester", "Edinburgh", "British Time", "Greenwich Mean Time"),
    "Europe/Moscow": ("Saint Petersburg", "St Petersburg", "Moscow Time"),
    "America/Los_Angeles": (
        "San Francisco", "San Jose", "Silicon Valley", "Seattle", "Las Vegas", "Pacific Time",
    ),
    "America/New_York": (
        "Washington", "Boston", "Miami", "Atlanta", "Philadelphia", "Eastern Time",
    ),
    "America/Chicago": ("Dallas", "Houston", "Austin", "Central Time"),
    "America/Denver": ("Salt Lake City", "Mountain Time"),
    "America/Toronto": ("Ottawa", "Montreal"),
    "America/Sao_Paulo": ("Rio de Janeiro", "Brasilia"),
    "Australia/Sydney": ("Canberra",),
    "Pacific/Auckland": ("Wellington",),
    "Africa/Johannesburg": ("Cape Town", "Pretoria"),
    "Africa/Lagos": ("Abuja",),
    "UTC": ("Coordinated Universal Time", "Zulu"),
}  # fmt: skip

# Other names of countries, as people type them, to the ISO codes zone.tab uses.
COUNTRY_NAMES: dict[str, str] = {
    "USA": "US", "United States": "US", "UK": "GB", "United Kingdom": "GB", "England": "GB",
    "Scotland": "GB", "Wales": "GB", "South Korea": "KR", "Korea": "KR", "UAE": "AE",
    "Emirates": "AE", "Holland": "NL", "Czech Republic": "CZ", "Burma": "MM",
}  # fmt: skip

# Shown before anything is typed: the zones most of the bot's servers need.
POPULAR = (
    "UTC", "Asia/Shanghai", "Asia/Kolkata", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore",
    "Asia/Tokyo", "Asia/Seoul", "Asia/Jakarta", "Asia/Bangkok", "Asia/Ho_Chi_Minh",
    "Asia/Manila", "Asia/Karachi", "Asia/Dhaka", "Asia/Dubai", "Europe/London", "Europe/Berlin",
    "Europe/Moscow", "America/New_York", "America/Chicago", "America/Los_Angeles",
    "America/Sao_Paulo", "Australia/Sydney", "Africa/Lagos", "Pacific/Auckland",
)  # fmt: skip

_SEPARATORS = re.compile(r"[\s_/\-'.,()]+")
_OFFSET_LIKE = re.compile(r"(?:utc|gmt)\s*[+-]", re.IGNORECASE | re.ASCII)
_EXACT, _PREFIX, _WORD, _INSIDE = range(4)


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    """A zone worth suggesting: its IANA name, its country, and the name that found it."""

    zone: str
    country: str | None = None
    found_as: str | None = None


@dataclass(frozen=True, slots=True)
class _Term:
    key: str
    label: str | None
    order: int


def _key(text: str) -> str:
    """Lower case, accents and punctuation gone: "São_Paulo" and "sao paulo" are the same."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", plain.casefold()).strip()


def _tzdata_text(name: str) -> str | None:
    """A table of the zone database, from where zoneinfo finds zones (its path, then tzdata)."""
    for directory in TZPATH:
        path = Path(directory) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None


def _rows(name: str) -> list[list[str]]:
    text = _tzdata_text(name) or ""
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def _suggestable(zone: str) -> bool:
    if "/" not in zone and zone != "UTC":
        return False  # legacy names such as EST or PRC, which canonical_zone_name refuses
    try:
        return canonical_zone_name(zone) == zone
    except InvalidDate:
        return False


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, tuple[_Term, ...]], dict[str, str]]:
    """Every suggestable zone with the terms that find it, and each zone's country."""
    zones = sorted(z for z in available_timezones() if _suggestable(z))
    countries = {row[0]: row[1] for row in _rows("iso3166.tab") if len(row) >= 2}
    terms: dict[str, list[_Term]] = {
        z: [_Term(_key(z), None, 0), _Term(_key(z.rsplit("/", 1)[-1]), None, 0)] for z in zones
    }
    country_of: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    for row in _rows("zone.tab"):
        if len(row) < 3 or row[2] not in terms:
            continue
        code, zone = row[0], row[2]
        country = countries.get(code, code)
        country_of.setdefault(zone, country)
        codes.setdefault(code, []).append(zone)
        terms[zone].append(_Term(_key(country), country, len(codes[code])))
        if len(row) >= 4 and row[3]:
            terms[zone].append(_Term(_key(row[3]), row[3], 0))
    for alias, code in COUNTRY_NAMES.items():
        for order, zone in enumerate(codes.get(code, ()), start=1):
            terms[zone].append(_Term(_key(alias), alias, order))
    for zone, places in PLACES.items():
        for place in places:
            if zone in terms:
                terms[zone].append(_Term(_key(place), place, 0))
    return {z: tuple(t) for z, t in terms.items()}, country_of


def _score(key: str, needle: str) -> int | None:
    if key == needle:
        return _EXACT
    if key.startswith(needle):
        return _PREFIX
    if f" {needle}" in f" {key}":
        return _WORD
    if needle in key:
        return _INSIDE
    return None


def find_zones(text: str, limit: int = 25) -> list[ZoneMatch]:
    """The zones ``text`` names, best first: exact names, then names that start with it, then
    names with a word that starts with it, then names that contain it."""
    index, country_of = _index()
    needle = _key(text)
    if not needle:
        return [ZoneMatch(z, country_of.get(z)) for z in POPULAR if z in index][:limit]
    found: list[tuple[tuple[int, int, int, str], ZoneMatch]] = []
    offset = _fixed_offset(text)
    if offset is not None:
        found.append(((-1, 0, 0, offset), ZoneMatch(offset)))
    for zone, terms in index.items():
        best: tuple[int, int, str | None] | None = None
        for term in terms:
            score = _score(term.key, needle)
            if score is not None and (best is None or (score, term.order) < best[:2]):
                best = (score, term.order, term.label)
        if best is not None:
            # a zone the database lists under a country ranks above an old alias of it
            legacy = int(zone not in country_of and zone != "UTC")
            match = ZoneMatch(zone, country_of.get(zone), best[2])
            found.append(((best[0], legacy, best[1], zone), match))
    found.sort(key=lambda item: item[0])
    return [match for _, match in found[:limit]]


def _fixed_offset(text: str) -> str | None:
    if not _OFFSET_LIKE.match(text.strip()):
        return None
    try:
        return canonical_zone_name(text)
    except InvalidDate:
        return None


def utc_offset_now(zone: str, now: datetime) -> str:
    """``UTC+08:00``: the zone's offset from UTC at ``now`` (an aware datetime)."""
    return offset_name(zone_for(zone).utcoffset(now))
