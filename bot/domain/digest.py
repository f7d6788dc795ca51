"""When a server's weekly digest goes out, and which week it covers.

The digest goes out at the server's day and time in the server's zone, so its instant in UTC
moves by an hour when the zone's clocks change (09:00 in Berlin is 08:00 UTC in winter, 07:00 UTC
in summer). A time the clocks skip (02:30 on the night they jump forward) is read with the offset
before the jump, so the digest goes out that much later (03:30); a time that happens twice (the
night they go back) means its first occurrence. The digest covers the week from its own moment to
the next one's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.records import LaunchRecord
from bot.domain.zones import zone_for

DIGEST_GRACE = timedelta(hours=6)
"""A digest a few hours late still says something useful; one later than this is skipped."""
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DigestMoment:
    """One digest: the server's local day it belongs to, and when it is due (aware UTC)."""

    local_day: date
    due_at: datetime
    week_end: datetime
    """The next digest's moment: the end of the week this one covers."""

    @property
    def expires_at(self) -> datetime:
        return self.due_at + DIGEST_GRACE

    @property
    def key(self) -> str:
        """One digest per local day: the key names the day, whatever time it goes out."""
        return f"digest:{self.local_day:%Y%m%d}"


def digest_at(day: date, at: str, zone_name: str) -> datetime:
    """The instant (aware UTC) of ``at`` (``HH:MM``) on ``day`` in the zone."""
    hour, minute = (int(part) for part in at.split(":"))
    local = datetime.combine(day, time(hour, minute), zone_for(zone_name))
    return local.astimezone(UTC)


def digest_on(day: date, at: str, zone_name: str) -> DigestMoment:
    due = digest_at(day, at, zone_name)
    return DigestMoment(day, due, digest_at(day + WEEK, at, zone_name))


def next_digest(weekday: int, at: str, zone_name: str, after: datetime) -> DigestMoment:
    """The first digest strictly after ``after``: ``weekday`` 0 is Monday."""
    today = after.astimezone(zone_for(zone_name)).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    moment = digest_on(day, at, zone_name)
    return moment if moment.due_at > after else digest_on(day + WEEK, at, zone_name)


def day_of_key(key: str) -> date | None:
    """The local day a digest's key names; None for a key that is not a digest's."""
    match = re.fullmatch(r"digest:(\d{4})(\d{2})(\d{2})", key)
    try:
        return date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class DigestContent:
    """What a digest shows: launches this week (dated to the minute or the day), then what is
    rumoured after it, each list capped, with how many there are in all."""

    week: tuple[LaunchRecord, ...]
    week_total: int
    later: tuple[LaunchRecord, ...]
    later_total: int
