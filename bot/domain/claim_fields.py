"""A claim's fields as the calendar stores them: its text cleaned and checked, its subject's
rules applied. One set of rules for a claim recorded by a member and one imported from a file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.dates import DateWindow, canonical_zone_name, parse_date
from bot.domain.errors import InvalidInput
from bot.domain.inputs import NewClaim
from bot.domain.text import NAME_MAX, check_confidence, clean_name, clean_text, clean_url, name_key
from bot.domain.vocabulary import ClaimSubject

ParseDate = Callable[[str, str], DateWindow]


def _parse(text: str, zone: str) -> DateWindow:
    return parse_date(text, default_tz=zone)


@dataclass(frozen=True, slots=True)
class ClaimFields:
    statement: str | None
    source_url: str | None
    author: str | None
    confidence: int | None
    zone: str | None
    """The claim's own zone; None: its date is read in the launch's zone."""
    window: DateWindow | None
    """The date read in ``zone`` (None for a feature claim, or when ``zone`` is None)."""
    feature: str | None
    feature_key: str | None


def claim_fields(new: NewClaim, parse: ParseDate = _parse) -> ClaimFields:
    statement = clean_text(new.statement, "statement")
    source_url = clean_url(new.source_url, "source URL")
    author = clean_text(new.author, "author", NAME_MAX)
    confidence = check_confidence(new.confidence)
    zone = window = feature = feature_key = None
    if new.subject is ClaimSubject.DATE:
        if not new.date:
            raise InvalidInput("A date claim needs a date.")
        if new.timezone:
            zone = canonical_zone_name(new.timezone)
            window = parse(new.date, zone)
    else:
        if not new.feature or new.present is None:
            raise InvalidInput("A feature claim needs the feature and whether it is present.")
        feature = clean_name(new.feature, "feature")
        feature_key = name_key(feature)
    return ClaimFields(
        statement, source_url, author, confidence, zone, window, feature, feature_key
    )
