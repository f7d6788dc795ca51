"""The custom_id of a calendar page button: everything a click needs to show the page it names,
so the buttons keep working after a restart and nothing is held in memory.

A custom_id is user input (a modified client can send any), so ``read`` accepts only what
``write`` makes and returns None for anything else.

    lb:pg:<turn><within><status>:<owner>:<total><exact>:<number>:<start>.<end>.<id>:<brand>:<region>

Numbers are base 36; the key's times are microseconds since the epoch. A brand or region is
``k`` and its comparison key (``%`` and ``:`` escaped), or, when the whole id would pass
Discord's 100 characters, ``h`` and a digest of the key that the click resolves against the
server's brands or regions.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.calendar_query import PageRequest, Turn
from bot.domain.periods import WINDOWS
from bot.domain.records import CalendarKey
from bot.domain.vocabulary import LaunchStatus

CUSTOM_ID_MAX = 100
PREFIX = "lb:pg:"
TEMPLATE = r"lb:pg:.{0,94}"
"""What reaches the page buttons: every id with their prefix, so a forged one is answered too."""
_STRICT = (
    r"lb:pg:(?P<turn>[fpnl])(?P<within>[0-9])(?P<status>[0-9-]):(?P<owner>[0-9a-z]{1,13}):"
    r"(?P<total>[0-9a-z]{1,4})(?P<exact>[=+]):(?P<number>[0-9a-z]{0,4}):"
    r"(?P<key>(?:-?[0-9a-z]{1,12}\.-?[0-9a-z]{1,12}\.[0-9a-z]{1,8})?):"
    r"(?P<brand>(?:[kh][^:]*)?):(?P<region>(?:[kh][^:]*)?)"
)
_TEMPLATE = re.compile(_STRICT)
_TURNS = {Turn.FIRST: "f", Turn.PREVIOUS: "p", Turn.NEXT: "n", Turn.LAST: "l"}
_WITHIN = tuple(WINDOWS)
_STATUSES = tuple(LaunchStatus)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DIGEST_LEN = 10
_MAX_OWNER = 2**64 - 1
_ESCAPES = {"%": "%25", ":": "%3A"}
_UNESCAPES = {code: char for char, code in _ESCAPES.items()}


@dataclass(frozen=True, slots=True)
class TextFilter:
    """A brand or region filter: its comparison key, or only a digest of it."""

    key: str | None = None
    digest: str | None = None

    def matches(self, candidate: str) -> bool:
        if self.key is not None:
            return candidate == self.key
        return self.digest is not None and digest(candidate) == self.digest


@dataclass(frozen=True, slots=True)
class ListingFilters:
    """What a listing was asked for; ``within`` is a key of WINDOWS, measured from each click."""

    within: str = "all"
    status: LaunchStatus | None = None
    brand: TextFilter | None = None
    region: TextFilter | None = None


@dataclass(frozen=True, slots=True)
class PageButton:
    owner_id: int
    filters: ListingFilters
    request: PageRequest


def digest(key: str) -> str:
    return hashlib.blake2s(key.encode(), digest_size=8).hexdigest()[:_DIGEST_LEN]


def write(button: PageButton) -> str:
    """The custom_id for ``button``; text filters fall back to digests when keys do not fit."""
    filters, request = button.filters, button.request
    head = (
        f"{PREFIX}{_TURNS[request.turn]}{_WITHIN.index(filters.within)}"
        f"{'-' if filters.status is None else _STATUSES.index(filters.status)}"
        f":{_b36(button.owner_id)}:{_b36(request.total or 0)}{'=' if request.total_exact else '+'}"
        f":{'' if request.number is None else _b36(request.number)}:{_key(request.key)}"
    )
    brand, region = filters.brand, filters.region
    brand_longer = len((brand and brand.key) or "") >= len((region and region.key) or "")
    for shorten_brand, shorten_region in (
        (False, False),
        (brand_longer, not brand_longer),
        (True, True),
    ):
        custom_id = f"{head}:{_text(brand, shorten_brand)}:{_text(region, shorten_region)}"
        if len(custom_id) <= CUSTOM_ID_MAX:
            return custom_id
    raise ValueError("a page button's custom_id cannot fit")  # digests always fit


def read(custom_id: str, limit: int) -> PageButton | None:
    match = _TEMPLATE.fullmatch(custom_id)
    if match is None:
        return None
    try:
        within = _WITHIN[int(match["within"])]
        status = None if match["status"] == "-" else _STATUSES[int(match["status"])]
        owner = int(match["owner"], 36)
        total = int(match["total"], 36)
        number = int(match["number"], 36) if match["number"] else None
        key = _read_key(match["key"])
        brand, region = _read_text(match["brand"]), _read_text(match["region"])
    except (ValueError, IndexError, OverflowError):
        return None
    turn = next(t for t, code in _TURNS.items() if code == match["turn"])
    if owner > _MAX_OWNER or (key is None) == (turn in (Turn.NEXT, Turn.PREVIOUS)):
        return None
    return PageButton(
        owner,
        ListingFilters(within, status, brand, region),
        PageRequest(turn, key, limit, total, match["exact"] == "=", number),
    )


def _b36(value: int) -> str:
    if value < 0:
        return "-" + _b36(-value)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _key(key: CalendarKey | None) -> str:
    if key is None:
        return ""
    return f"{_b36(_micros(key.start))}.{_b36(_micros(key.end))}.{_b36(key.id)}"


def _read_key(raw: str) -> CalendarKey | None:
    if not raw:
        return None
    start, end, launch_id = raw.split(".")
    return CalendarKey(
        _EPOCH + timedelta(microseconds=int(start, 36)),
        _EPOCH + timedelta(microseconds=int(end, 36)),
        int(launch_id, 36),
    )


def _text(value: TextFilter | None, shorten: bool) -> str:
    if value is None:
        return ""
    if value.key is None or shorten:
        return "h" + (value.digest or digest(value.key or ""))
    return "k" + re.sub(r"[%:]", lambda m: _ESCAPES[m[0]], value.key)


def _read_text(raw: str) -> TextFilter | None:
    if not raw:
        return None
    if raw[0] == "h":
        if not re.fullmatch(rf"[0-9a-f]{{{_DIGEST_LEN}}}", raw[1:]):
            raise ValueError("not a digest")
        return TextFilter(digest=raw[1:])
    key = raw[1:]
    if re.search(r"%(?!25|3A)", key):
        raise ValueError("bad escape")
    return TextFilter(key=re.sub(r"%25|%3A", lambda m: _UNESCAPES[m[0]], key))
