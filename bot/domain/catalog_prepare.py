"""Catalog entries made ready to import, in pure code: every name cleaned with its key, every
date read into its window, every claim's identity worked out, before the database is touched.

The rules are the calendar's own (adding a launch, editing it, recording a claim), so an import
stores exactly what those would; a problem is reported with the entry at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.catalog import CatalogEntry
from bot.domain.claim_fields import claim_fields
from bot.domain.dates import DateWindow, canonical_zone_name, parse_date
from bot.domain.errors import CatalogError, DomainError
from bot.domain.inputs import NewClaim, NewLaunch
from bot.domain.text import (
    NAME_MAX,
    REGION_MAX,
    check_alias_count,
    check_confidence,
    clean_name,
    clean_text,
    clean_url,
    name_key,
)
from bot.domain.vocabulary import ClaimSubject, FeaturePresence, Precision

ClaimKey = tuple[Any, ...]
"""What makes two claims the same claim: re-importing a file adds none twice."""


Span = tuple[datetime, datetime, Precision]


def span(window: DateWindow | None) -> Span | None:
    return (window.start, window.end, window.precision) if window else None


def claim_key(
    subject: ClaimSubject,
    span: Span | None,
    feature_key: str | None,
    present: FeaturePresence | None,
    source_url: str | None,
    author: str | None,
    seen_at: datetime,
) -> ClaimKey:
    """``feature_key``: the feature's ``name_key``."""
    return (subject, span, feature_key, present, source_url, author, seen_at)


@dataclass(slots=True)
class PreparedClaim:
    new: NewClaim
    key: ClaimKey
    statement: str | None
    source_url: str | None
    author: str | None
    confidence: int | None
    zone: str | None
    """The claim's own zone; None: read the date in the launch's zone when it is recorded."""
    window: DateWindow | None
    feature: str | None
    feature_key: str | None


@dataclass(slots=True)
class PreparedEntry:
    index: int
    label: str
    new: NewLaunch
    device: str
    device_key: str
    brand: str
    brand_key: str
    aliases: tuple[tuple[str, str], ...]
    region: str
    region_key: str
    zone: str | None
    """The entry's zone when added; None: the server's zone."""
    window: DateWindow | None
    """The date read in ``zone`` (None when there is no date or no zone yet)."""
    edit_zone: str
    edit_window: DateWindow | None
    """The date as an edit of an existing launch reads it (in ``edit_zone``)."""
    confidence: int | None
    livestream_url: str | None
    partner: str | None
    note: str | None
    claims: tuple[PreparedClaim, ...]


class Dates:
    """``parse_date`` with a memory: catalogs repeat their dates and zones a great deal. It
    remembers the brands and regions cleaned too, which repeat as much."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], DateWindow] = {}
        self._names: dict[tuple[str, str], tuple[str, str]] = {}

    def name(self, value: str, field: str, max_len: int = NAME_MAX) -> tuple[str, str]:
        """``clean_name`` and its key."""
        found = self._names.get((value, field))
        if found is None:
            clean = clean_name(value, field, max_len)
            found = self._names[(value, field)] = (clean, name_key(clean))
        return found

    def parse(self, text: str, zone: str) -> DateWindow:
        window = self._known.get((text, zone))
        if window is None:
            window = self._known[(text, zone)] = parse_date(text, default_tz=zone)
        return window


def prepare(entries: list[CatalogEntry], dates: Dates) -> list[PreparedEntry]:
    prepared = []
    for index, entry in enumerate(entries):
        try:
            prepared.append(_entry(index, entry, dates))
        except DomainError as exc:
            raise CatalogError(f"{entry.label}: {exc}") from None
    return prepared


def _entry(index: int, entry: CatalogEntry, dates: Dates) -> PreparedEntry:
    new = entry.launch
    device = clean_name(new.device, "device name")
    brand, brand_key = dates.name(new.brand, "brand")
    check_alias_count(len(new.aliases))
    aliases = []
    for alias in new.aliases:
        clean = clean_name(alias, "alias")
        aliases.append((clean, name_key(clean)))
    region, region_key = dates.name(new.region, "region", REGION_MAX)
    zone = canonical_zone_name(new.timezone) if new.timezone else None
    edit_zone = canonical_zone_name(new.timezone or "UTC")
    window = dates.parse(new.date, zone) if new.date and zone else None
    edit_window = dates.parse(new.date, edit_zone) if new.date else None
    return PreparedEntry(
        index=index,
        label=entry.label,
        new=new,
        device=device,
        device_key=name_key(device),
        brand=brand,
        brand_key=brand_key,
        aliases=tuple(aliases),
        region=region,
        region_key=region_key,
        zone=zone,
        window=window,
        edit_zone=edit_zone,
        edit_window=edit_window,
        confidence=check_confidence(new.confidence),
        livestream_url=clean_url(new.livestream_url, "livestream URL"),
        partner=clean_text(new.partner, "partner", NAME_MAX),
        note=clean_text(new.note, "note"),
        claims=tuple(_claim(claim, dates) for claim in entry.claims),
    )


def _claim(claim: NewClaim, dates: Dates) -> PreparedClaim:
    if claim.seen_at is None:
        raise CatalogError("every imported claim needs seen_at, so that re-importing is safe.")
    keyed = dates.parse(claim.date, claim.timezone or "UTC") if claim.date else None
    f = claim_fields(claim, dates.parse)
    key = claim_key(
        claim.subject, span(keyed), f.feature_key, claim.present, f.source_url, f.author,
        claim.seen_at,
    )  # fmt: skip
    return PreparedClaim(
        claim, key, f.statement, f.source_url, f.author, f.confidence, f.zone, f.window,
        f.feature, f.feature_key,
    )  # fmt: skip
