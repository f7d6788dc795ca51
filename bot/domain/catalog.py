"""Catalog files: launches with their claims, as TOML or JSON, read strictly.

Every problem is reported with the file, the line (for syntax errors) or the entry at fault, and
the whole file is checked before anything is written.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.domain.catalog_polls import SeedPoll, attach_polls
from bot.domain.dates import canonical_zone_name, parse_date
from bot.domain.errors import CatalogError, DomainError
from bot.domain.inputs import NewClaim, NewLaunch
from bot.domain.text import (
    NAME_MAX,
    REGION_MAX,
    check_confidence,
    clean_name,
    clean_text,
    clean_url,
)
from bot.domain.vocabulary import (
    ClaimSubject,
    FeaturePresence,
    LaunchKind,
    LaunchStatus,
    SourceKind,
)

FORMAT_VERSION = 1
MAX_FILE_BYTES = 50 * 1024 * 1024
LAUNCH_KEYS = {
    "device", "brand", "series", "aliases", "region", "kind", "status", "date", "timezone",
    "confidence", "livestream_url", "partner", "note", "claim",
}  # fmt: skip
CLAIM_KEYS = {
    "about", "date", "timezone", "feature", "present", "statement", "source_url",
    "source_kind", "author", "seen_at",
}  # fmt: skip


E = TypeVar("E", LaunchStatus, LaunchKind, ClaimSubject, SourceKind, FeaturePresence)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    label: str
    launch: NewLaunch
    claims: tuple[NewClaim, ...]
    polls: tuple[SeedPoll, ...] = ()
    """Resolved questions about the launch (``[[poll]]``, bot/domain/catalog_polls.py)."""


def bundled_catalog_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "catalog.toml"


def load_catalog(path: Path) -> list[CatalogEntry]:
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CatalogError(f"{name}: the file is {size} bytes; the limit is {MAX_FILE_BYTES}.")
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{name}: cannot read the file ({exc.strerror}).") from None
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise CatalogError(f"{name}: expected a .toml or .json file.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{name}: not UTF-8 text (byte {exc.start}).") from None
    return parse_catalog_text(text, "json" if suffix == ".json" else "toml", name)


def parse_catalog_text(text: str, fmt: str, name: str = "catalog") -> list[CatalogEntry]:
    try:
        data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{name}: line {exc.lineno}: invalid JSON ({exc.msg}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{name}: invalid TOML ({exc}).") from None
    except RecursionError:
        raise CatalogError(f"{name}: nested too deeply to be a catalog.") from None
    return parse_catalog(data, name)


def parse_catalog(data: Any, name: str = "catalog") -> list[CatalogEntry]:
    if not isinstance(data, dict):
        raise CatalogError(f"{name}: the top level must be a table with format and launch.")
    unknown = set(data) - {"format", "launch", "poll"}
    if unknown:
        raise CatalogError(f"{name}: unknown top-level key {sorted(unknown)[0]!r}.")
    if data.get("format") != FORMAT_VERSION:
        raise CatalogError(
            f"{name}: expected format = {FORMAT_VERSION}, got {data.get('format')!r}."
        )
    launches = data.get("launch", [])
    if not isinstance(launches, list):
        raise CatalogError(f"{name}: launch must be a list of tables ([[launch]]).")
    entries: list[CatalogEntry] = []
    seen: dict[tuple[str, str, str], str] = {}
    dates = _Dates()
    for index, item in enumerate(launches, start=1):
        label = f"launch #{index}"
        if isinstance(item, dict) and isinstance(item.get("device"), str):
            label += f" ({item['device'][:60]})"
        try:
            entry = _entry(item, label, dates)
        except DomainError as exc:
            raise CatalogError(f"{name}: {label}: {exc}") from None
        key = (entry.launch.device.casefold(), entry.launch.region.casefold(), entry.launch.kind)
        if key in seen:
            raise CatalogError(f"{name}: {label}: repeats {seen[key]}.")
        seen[key] = label
        entries.append(entry)
    return attach_polls(entries, data.get("poll", []), name)


class _Dates:
    """The dates (with their zones) already read: a catalog repeats them a great deal, and
    reading one is most of the work of checking an entry."""

    def __init__(self) -> None:
        self._read: set[tuple[str, str]] = set()

    def check(self, date: str, zone: str) -> None:
        if (date, zone) not in self._read:
            parse_date(date, default_tz=zone)
            self._read.add((date, zone))


def _entry(item: Any, label: str, dates: _Dates) -> CatalogEntry:
    if not isinstance(item, dict):
        raise CatalogError("must be a table.")
    _no_unknown(item, LAUNCH_KEYS)
    timezone = canonical_zone_name(_str(item, "timezone") or "UTC")
    date = _str(item, "date")
    if date:
        dates.check(date, timezone)
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise CatalogError("aliases must be a list of strings.")
    launch = NewLaunch(
        device=clean_name(_required(item, "device"), "device name"),
        brand=clean_name(_required(item, "brand"), "brand"),
        date=date,
        timezone=timezone,
        status=_choice(item, "status", LaunchStatus, LaunchStatus.RUMORED),
        region=clean_name(_str(item, "region") or "Global", "region", REGION_MAX),
        kind=_choice(item, "kind", LaunchKind, LaunchKind.ANNOUNCEMENT),
        confidence=check_confidence(_int(item, "confidence")),
        livestream_url=clean_url(_str(item, "livestream_url"), "livestream_url"),
        partner=clean_text(_str(item, "partner"), "partner", NAME_MAX),
        note=clean_text(_str(item, "note"), "note"),
        aliases=tuple(clean_name(a, "alias") for a in aliases),
        series=_bool(item, "series"),
    )
    if launch.status is LaunchStatus.CONFIRMED and not date:
        raise CatalogError("a confirmed launch needs a date.")
    claims = item.get("claim", [])
    if not isinstance(claims, list):
        raise CatalogError("claim must be a list of tables ([[launch.claim]]).")
    parsed: list[NewClaim] = []
    for number, claim in enumerate(claims, start=1):
        try:
            parsed.append(_claim(claim, timezone, dates))
        except DomainError as exc:
            raise CatalogError(f"claim #{number}: {exc}") from None
    return CatalogEntry(label, launch, tuple(parsed))


def _claim(item: Any, launch_timezone: str, dates: _Dates) -> NewClaim:
    if not isinstance(item, dict):
        raise CatalogError("must be a table.")
    _no_unknown(item, CLAIM_KEYS)
    subject = _choice(item, "about", ClaimSubject, None)
    timezone = canonical_zone_name(_str(item, "timezone") or launch_timezone)
    date = _str(item, "date")
    feature = _str(item, "feature")
    present = _choice(item, "present", FeaturePresence, None) if "present" in item else None
    if subject is ClaimSubject.DATE:
        if not date:
            raise CatalogError("a date claim needs date.")
        dates.check(date, timezone)
    elif not feature or present is None:
        raise CatalogError("a feature claim needs feature and present (yes, no or unclear).")
    return NewClaim(
        subject=subject,
        source_kind=_choice(item, "source_kind", SourceKind, None),
        date=date if subject is ClaimSubject.DATE else None,
        timezone=timezone,
        feature=clean_name(feature, "feature")
        if subject is ClaimSubject.FEATURE and feature
        else None,
        present=present if subject is ClaimSubject.FEATURE else None,
        statement=clean_text(_str(item, "statement"), "statement"),
        source_url=clean_url(_str(item, "source_url"), "source_url"),
        author=clean_text(_str(item, "author"), "author", NAME_MAX),
        seen_at=_timestamp(item, "seen_at"),
    )


def _no_unknown(item: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise CatalogError(f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}.")


def _required(item: dict[str, Any], key: str) -> str:
    value = _str(item, key)
    if not value:
        raise CatalogError(f"{key} is required.")
    return value


def _str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CatalogError(f"{key} must be a string, not {type(value).__name__}.")
    return value


def _int(item: dict[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogError(f"{key} must be a whole number.")
    return value


def _bool(item: dict[str, Any], key: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise CatalogError(f"{key} must be true or false.")
    return value


def _choice(item: dict[str, Any], key: str, enum: type[E], default: E | None) -> E:
    raw = _str(item, key)
    if raw is None:
        if default is None:
            raise CatalogError(f"{key} is required: one of {', '.join(e.value for e in enum)}.")
        return default
    try:
        return enum(raw.strip().lower())
    except ValueError:
        raise CatalogError(
            f"{key} = {raw[:40]!r} is not one of {', '.join(e.value for e in enum)}."
        ) from None


def _timestamp(item: dict[str, Any], key: str) -> datetime | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise CatalogError(
                f"{key} must be an RFC 3339 time like 2021-12-20T08:00:00Z."
            ) from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise CatalogError(f"{key} must be a time with its offset, like 2021-12-20T08:00:00Z.")
    if not 1970 <= value.year <= 2200:
        raise CatalogError(f"{key} must be between 1970 and 2200.")
    return value
