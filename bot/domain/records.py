"""Read records and results: plain frozen data, safe to use after the session ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.dates import DateWindow
from bot.domain.guild_settings import GuildSettingsRecord
from bot.domain.permissions import MemberFacts
from bot.domain.polls import PollRecord
from bot.domain.vocabulary import (
    ClaimSubject,
    FeaturePresence,
    LaunchKind,
    LaunchStatus,
    PostState,
    SourceKind,
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a Discord member (with the facts that decide what they may do), or
    the command line, which has no member facts and may do anything."""

    id: int | None
    name: str
    member: MemberFacts | None = None

    @classmethod
    def cli(cls) -> Actor:
        return cls(None, "command line")


@dataclass(frozen=True, slots=True)
class LaunchRecord:
    id: int
    guild_id: int
    device_id: int
    device: str
    brand: str
    is_series: bool
    aliases: tuple[str, ...]
    region: str
    kind: LaunchKind
    status: LaunchStatus
    window: DateWindow | None
    timezone: str
    confidence: int | None
    livestream_url: str | None
    partner: str | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    event_id: int | None = None

    @property
    def title(self) -> str:
        return launch_title(self.device, self.region)


def launch_title(device: str, region: str) -> str:
    return device if region == "Global" else f"{device} ({region})"


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    id: int
    launch_id: int
    subject: ClaimSubject
    window: DateWindow | None
    feature: str | None
    present: FeaturePresence | None
    statement: str | None
    source_url: str | None
    source_kind: SourceKind
    author: str | None
    seen_at: datetime
    superseded_by_id: int | None
    recorded_by: int | None
    confidence: int | None = None

    @property
    def superseded(self) -> bool:
        return self.superseded_by_id is not None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    entity: str
    entity_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class LaunchChange:
    """What a write did, with everything a caller needs to answer without reading it back.

    ``before`` is None on add and ``after`` on remove. ``claims`` are the launch's claims after
    the change, oldest first; ``source`` is the claim behind the new state (one just recorded, or
    the one adopted); ``settings`` are the server's settings as read in the same transaction.
    """

    before: LaunchRecord | None
    after: LaunchRecord | None
    settings: GuildSettingsRecord
    claims: tuple[ClaimRecord, ...] = ()
    source: ClaimRecord | None = None
    next_post_at: datetime | None = None
    """When the earliest post this change planned is due (so the dispatcher can wake then)."""
    moved_polls: tuple[int, ...] = ()
    """Open polls that close with the launch whose close this change moved."""
    claim_polls: tuple[int, ...] = ()
    """The launch's open polls when this change recorded a claim (their cards show claims)."""

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def date_or_status_changed(self) -> bool:
        if self.before is None or self.after is None:
            return False
        return (self.before.window, self.before.status) != (self.after.window, self.after.status)

    @property
    def previous_source(self) -> str | None:
        """Who stood behind the date the launch had before: the newest date claim matching it."""
        if self.before is None or self.before.window is None:
            return None
        matching = [
            c for c in self.claims
            if c.subject is ClaimSubject.DATE and c.window == self.before.window
            and (self.source is None or c.id != self.source.id)
        ]  # fmt: skip
        return matching[-1].author if matching else None


@dataclass(frozen=True, slots=True)
class ClaimAdded:
    launch: LaunchRecord
    claim: ClaimRecord
    claim_polls: tuple[int, ...] = ()
    """The launch's open polls (their cards show its claims)."""


CARD_POLLS = 5
"""Polls a launch's card lists (one more is read, to say there are more)."""


@dataclass(frozen=True, slots=True)
class LaunchCard:
    """A launch with its claims (no audit log): what the launch card shows."""

    launch: LaunchRecord
    claims: tuple[ClaimRecord, ...]
    next_post_at: datetime | None = None
    polls: tuple[PollRecord, ...] = ()
    """Its newest polls (the catalog's resolved questions among them), up to ``CARD_POLLS + 1``."""


@dataclass(frozen=True, slots=True)
class History:
    launch: LaunchRecord
    claims: tuple[ClaimRecord, ...]
    audit: tuple[AuditRecord, ...]


@dataclass(frozen=True, slots=True)
class CalendarKey:
    """Where a launch sits in calendar order: by window start, then end, then id."""

    start: datetime
    end: datetime
    id: int

    @classmethod
    def of(cls, launch: LaunchRecord) -> CalendarKey:
        if launch.window is None:
            raise ValueError("an undated launch has no place in the upcoming calendar")
        return cls(launch.window.start, launch.window.end, launch.id)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the upcoming calendar.

    ``total`` counts the matching launches up to a cap; ``total_exact`` is False past it.
    ``number`` is the 1-based page number when it is known (it is not, counting back from the
    last page of a list longer than the cap).
    """

    items: tuple[LaunchRecord, ...]
    total: int
    total_exact: bool
    number: int | None
    has_previous: bool
    has_next: bool
    limit: int

    @property
    def pages(self) -> int | None:
        return -(-self.total // self.limit) if self.total_exact else None


@dataclass(frozen=True, slots=True)
class Listing:
    """Every launch of a server, a slice at a time (the command line and exports)."""

    items: tuple[LaunchRecord, ...]
    total: int


@dataclass(frozen=True, slots=True)
class PostPlan:
    """A scheduled post to exist for a subject (a launch); ``key`` names its moment."""

    key: str
    target: str
    kind: str
    due_at: datetime
    expires_at: datetime
    launch_id: int | None = None
    payload: dict[str, Any] | None = None
    """What the post says when it cannot be read back at send time (a change notice)."""


@dataclass(frozen=True, slots=True)
class ClaimedPost:
    """A due post this process has claimed under a lease, to send now."""

    id: int
    guild_id: int
    launch_id: int | None
    subject: str
    key: str
    target: str
    kind: str
    due_at: datetime
    expires_at: datetime
    attempts: int
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class PostProblem:
    due_at: datetime
    kind: str
    state: PostState
    reason: str | None


@dataclass(frozen=True, slots=True)
class PostSummary:
    """A server's scheduled posts at a glance: how many in each state, the next one due, and
    the latest that failed or were skipped (with why)."""

    counts: dict[PostState, int]
    next_due: datetime | None
    problems: tuple[PostProblem, ...]
