"""Vocabulary of the launch calendar, shared by the domain and the storage layer."""

from __future__ import annotations

import enum


class Precision(enum.StrEnum):
    """How precisely a date is known: an exact time, or a day, part of a month ... a year."""

    EXACT = "exact"
    DAY = "day"
    PART_OF_MONTH = "part_of_month"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


class LaunchStatus(enum.StrEnum):
    RUMORED = "rumored"
    TEASED = "teased"
    CONFIRMED = "confirmed"
    LAUNCHED = "launched"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class PostState(enum.StrEnum):
    """Where a scheduled post is: waiting, being sent (claimed under a lease), or done."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class PollState(enum.StrEnum):
    """A poll takes votes while open; closed, it waits for the truth; resolved, it has it."""

    OPEN = "open"
    CLOSED = "closed"
    RESOLVED = "resolved"


class LaunchKind(enum.StrEnum):
    ANNOUNCEMENT = "announcement"
    RELEASE = "release"
    SALE = "sale"


class SourceKind(enum.StrEnum):
    OFFICIAL = "official"
    LEAKER = "leaker"
    MEDIA = "media"


class ClaimSubject(enum.StrEnum):
    DATE = "date"
    FEATURE = "feature"


class FeaturePresence(enum.StrEnum):
    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"


# Which status may follow which. Launched is final; a cancelled launch may be revived.
TRANSITIONS: dict[LaunchStatus, frozenset[LaunchStatus]] = {
    LaunchStatus.RUMORED: frozenset(
        {
            LaunchStatus.TEASED,
            LaunchStatus.CONFIRMED,
            LaunchStatus.POSTPONED,
            LaunchStatus.CANCELLED,
            LaunchStatus.LAUNCHED,
        }
    ),
    LaunchStatus.TEASED: frozenset(
        {
            LaunchStatus.RUMORED,
            LaunchStatus.CONFIRMED,
            LaunchStatus.POSTPONED,
            LaunchStatus.CANCELLED,
            LaunchStatus.LAUNCHED,
        }
    ),
    LaunchStatus.CONFIRMED: frozenset(
        {
            LaunchStatus.CONFIRMED,
            LaunchStatus.POSTPONED,
            LaunchStatus.CANCELLED,
            LaunchStatus.LAUNCHED,
        }
    ),
    LaunchStatus.POSTPONED: frozenset(
        {
            LaunchStatus.RUMORED,
            LaunchStatus.TEASED,
            LaunchStatus.CONFIRMED,
            LaunchStatus.POSTPONED,
            LaunchStatus.CANCELLED,
            LaunchStatus.LAUNCHED,
        }
    ),
    LaunchStatus.CANCELLED: frozenset(
        {LaunchStatus.RUMORED, LaunchStatus.TEASED, LaunchStatus.CONFIRMED}
    ),
    LaunchStatus.LAUNCHED: frozenset(),
}
