"""Validation and normalisation of user-supplied names, free text and URLs."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from bot.domain.errors import InvalidInput

NAME_MAX = 100
REGION_MAX = 64
TEXT_MAX = 500
URL_MAX = 500
ZONE_MAX = 64
CONFIDENCE_MAX = 100
MAX_ALIASES = 20
_SPACES = re.compile(r"\s+")


def _strip_controls(text: str) -> str:
    if text.isprintable():  # no character of a category "C*": nothing to strip (fast path)
        return text
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")


def clean_name(value: str, field: str, max_len: int = NAME_MAX) -> str:
    """One line of text: controls removed, whitespace collapsed, not empty, at most max_len
    (and so is its comparison key, which case folding can make longer: "ß" becomes "ss")."""
    text = _SPACES.sub(" ", _strip_controls(value)).strip()
    if not text:
        raise InvalidInput(f"The {field} must not be empty.")
    if len(text) > max_len:
        raise InvalidInput(f"The {field} is {len(text)} characters long; the limit is {max_len}.")
    if len(name_key(text)) > max_len:
        raise InvalidInput(
            f"The {field} is too long once letters such as ß are spelled out; "
            f"keep it under {max_len} characters."
        )
    return text


def clean_text(value: str | None, field: str, max_len: int = TEXT_MAX) -> str | None:
    if value is None:
        return None
    text = _strip_controls(value).strip()
    if not text:
        return None
    if len(text) > max_len:
        raise InvalidInput(f"The {field} is {len(text)} characters long; the limit is {max_len}.")
    return text


def name_key(value: str) -> str:
    """Comparison key: case- and width-insensitive, single spaces, no control characters."""
    folded = unicodedata.normalize("NFKC", _strip_controls(value)).casefold()
    return _SPACES.sub(" ", folded).strip()


# An address that is plainly fine: http(s), a host of letters, digits, dots and hyphens, no
# user, port or brackets, then printable ASCII other than space, quotes and angle brackets.
# urlsplit accepts every such address with that host; anything else takes the full check.
_PLAIN_URL = re.compile(r"[hH][tT][tT][pP][sS]?://[A-Za-z0-9][A-Za-z0-9.-]*(?:[/?#][!#-;=?-~]*)?")


def _url_problem(url: str) -> bool:
    """Whether the address is refused; most are plainly fine, and need not be taken apart."""
    return _PLAIN_URL.fullmatch(url) is None and _refused(url)


def _refused(url: str) -> bool:
    plain = url.isprintable() and not any(ch in url for ch in ' <>"')
    if not plain and any(
        ch.isspace() or ch in '<>"' or unicodedata.category(ch)[0] == "C" for ch in url
    ):
        return True
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what rejects a malformed host
    except ValueError:
        return True
    return parts.scheme.lower() not in ("http", "https") or not parts.hostname


def source_name_from(url: str) -> str | None:
    """ "www.mydrivers.com/..." names its source "mydrivers.com"; None when there is no host."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def clean_url(value: str | None, field: str = "URL") -> str | None:
    """An http(s) address with nothing that could break out of Discord's ``<url>`` markdown."""
    if value is None or not value.strip():
        return None
    url = value.strip()
    if len(url) > URL_MAX:
        raise InvalidInput(f"The {field} is {len(url)} characters long; the limit is {URL_MAX}.")
    if _url_problem(url):
        raise InvalidInput(
            f"The {field} must be a web address starting with http:// or https://, without "
            "spaces, quotes or angle brackets, for example https://www.mi.com/global/."
        )
    return url


def check_alias_count(count: int) -> None:
    if count > MAX_ALIASES:
        raise InvalidInput(f"A device can have at most {MAX_ALIASES} aliases.")


def check_confidence(value: int | None) -> int | None:
    if value is None:
        return None
    if not 0 <= value <= CONFIDENCE_MAX:
        raise InvalidInput(f"Confidence must be between 0 and {CONFIDENCE_MAX}, not {value}.")
    return value
