"""Time zone names: IANA zones and fixed UTC offsets, validated and spelt canonically.

Two kinds of names are accepted:

* IANA names such as ``Asia/Shanghai`` or ``UTC``, matched case-insensitively and returned
  with the spelling the zone database uses. All-capital abbreviations (``CST``, ``PST``, and
  even the legacy IANA entries ``EST``, ``MST``, ``CET``, ``PRC`` ...) are refused because
  people use them ambiguously; ``UTC`` and ``GMT`` are the exceptions.
* Fixed offsets spelt ``UTC+8``, ``UTC+08:00``, ``UTC+0800``, ``UTC-05:30`` or ``GMT+8`` (here
  ``GMT+8`` means eight hours *ahead* of UTC, as people mean it; the IANA name ``Etc/GMT+8``
  keeps its inverted POSIX meaning). The canonical spelling is ``UTC+08:00``, and ``UTC`` for a
  zero offset. ``Z`` also means ``UTC``.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from bot.domain.errors import InvalidDate

__all__ = ["ZONE_HINT", "canonical_zone_name", "offset_name", "zone_for"]

ZONE_HINT = "use an IANA zone name such as Europe/Berlin or an offset such as UTC+8"
MAX_OFFSET = timedelta(hours=14)

_OFFSET = re.compile(
    r"(?:utc|gmt)\s*(?P<sign>[+-])\s*(?:(?P<hh>\d{2})(?P<mm>\d{2})|(?P<h>\d{1,2})(?::(?P<m>\d{2}))?)",
    re.IGNORECASE | re.ASCII,
)
_OFFSET_LIKE = re.compile(r"(?:utc|gmt)\s*[+-].*", re.IGNORECASE | re.ASCII | re.DOTALL)
_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-/:]{0,63}", re.ASCII)
_ABBREVIATION = re.compile(r"[A-Za-z]{2,5}", re.ASCII)
_ALLOWED_SHORT = frozenset({"UTC", "GMT"})
_COMMON_ABBREVIATIONS = frozenset(
    {
        "CST", "CDT", "EST", "EDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST", "BST",
        "IST", "CET", "CEST", "EET", "EEST", "WET", "WEST", "MSK", "JST", "KST", "HKT", "SGT",
        "AEST", "AEDT", "ACST", "ACDT", "AWST", "NZST", "NZDT", "BRT", "ART", "WIB", "PHT",
        "ICT", "SAST", "WAT", "EAT", "GST", "PKT",
    }
)  # fmt: skip
_NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})


def offset_name(offset: timedelta | None) -> str:
    """``UTC+08:00`` style name of an offset from UTC; ``UTC`` for zero."""
    if not offset:
        return "UTC"
    sign = "+" if offset > timedelta(0) else "-"
    hours, rest = divmod(abs(int(offset.total_seconds())), 3600)
    minutes, seconds = divmod(rest, 60)
    name = f"UTC{sign}{hours:02d}:{minutes:02d}"
    return f"{name}:{seconds:02d}" if seconds else name


def zone_for(name: str) -> tzinfo:
    """The tzinfo for an IANA name or a fixed offset; raises ``InvalidDate`` if unknown."""
    return _resolve(name)[1]


def canonical_zone_name(name: str) -> str:
    """Validated, canonical spelling of a zone name (see the module docstring)."""
    return _resolve(name)[0]


@lru_cache(maxsize=1)
def _iana_names() -> dict[str, str]:
    return {n.lower(): n for n in available_timezones() if n.lower() not in _NOT_ZONES}


def _shown(name: str) -> str:
    return f'"{name}"' if _SAFE_NAME.fullmatch(name) else "That"


def _fixed_offset(text: str) -> timedelta | None:
    match = _OFFSET.fullmatch(text)
    if match is None:
        if _OFFSET_LIKE.fullmatch(text):
            raise InvalidDate(
                f"{_shown(text)} is not a UTC offset I can read: write it as UTC+8, UTC+08:00 "
                "or UTC-05:30."
            )
        return None
    hours = int(match["hh"] or match["h"])
    minutes = int(match["mm"] or match["m"] or 0)
    if minutes >= 60:
        raise InvalidDate(f"{_shown(text)} is not a UTC offset: minutes run from 00 to 59.")
    offset = timedelta(hours=hours, minutes=minutes)
    if offset > MAX_OFFSET:
        raise InvalidDate(
            f"{_shown(text)} is not a real UTC offset: offsets run from UTC-14 to UTC+14."
        )
    return -offset if match["sign"] == "-" else offset


@lru_cache(maxsize=512)
def _resolve(name: str) -> tuple[str, tzinfo]:
    text = name.strip()
    if text.lower() in ("utc", "z"):
        return "UTC", UTC
    offset = _fixed_offset(text)
    if offset is not None:
        canonical = offset_name(offset)
        return canonical, (timezone(offset, canonical) if offset else UTC)
    iana = _iana_names().get(text.lower())
    shape = iana or text
    if (
        _ABBREVIATION.fullmatch(shape)
        and (shape.isupper() or shape.upper() in _COMMON_ABBREVIATIONS)
        and shape.upper() not in _ALLOWED_SHORT
    ):
        raise InvalidDate(
            f'"{shape.upper()}" looks like a time zone abbreviation, and those are ambiguous '
            "(CST alone can mean China, US Central or Cuba Standard Time): use an IANA zone "
            "name such as Asia/Shanghai or America/Chicago, or an offset such as UTC+8."
        )
    if iana is None:
        if not text:
            raise InvalidDate(f"The time zone is empty: {ZONE_HINT}.")
        raise InvalidDate(f"{_shown(text)} is not a time zone I know: {ZONE_HINT}.")
    return iana, ZoneInfo(iana)
