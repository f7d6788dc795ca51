"""Which posts a launch gets and when: reminders before it and a post at the launch itself.

The date's precision decides:
- an exact time gets a reminder at each of the server's offsets before it, and a post at the
  time itself;
- a day gets, for each offset of whole days, a post at 09:00 (the server's zone) that many days
  before, and a post at 09:00 on the day; offsets in hours or minutes need an exact time;
- a part of a month, a month, a quarter, a half or a year gets no countdown (the digest shows it).
A cancelled or launched launch gets nothing more. Each post has a grace window: sent later than
that, it would say something no longer true ("launches in 1 hour" after the launch), so it is
skipped instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.dates import DateWindow
from bot.domain.vocabulary import LaunchStatus, Precision
from bot.domain.zones import zone_for

MORNING = time(9, 0)
LAUNCH_POST_GRACE = timedelta(hours=1)
REMINDER_GRACE_MAX = timedelta(hours=6)
FINISHED = frozenset({LaunchStatus.CANCELLED, LaunchStatus.LAUNCHED})


class PostKind(enum.StrEnum):
    REMINDER = "reminder"
    LAUNCH = "launch"


@dataclass(frozen=True, slots=True)
class PlannedPost:
    """One post about a launch. ``key`` is unique per launch and kind of moment, so planning the
    same launch twice plans the same posts."""

    kind: PostKind
    offset: timedelta
    due_at: datetime
    expires_at: datetime

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{int(self.offset.total_seconds() // 60)}"


def plan_launch_posts(
    window: DateWindow | None,
    status: LaunchStatus,
    offsets: tuple[timedelta, ...],
    server_zone: str,
    now: datetime,
) -> list[PlannedPost]:
    """The posts still ahead (their grace window not yet over at ``now``), earliest first."""
    if window is None or status in FINISHED:
        return []
    if window.precision is Precision.EXACT:
        posts = _exact(window.start, offsets)
    elif window.precision is Precision.DAY:
        posts = _day(_local_day(window), offsets, server_zone)
    else:
        return []
    return sorted((p for p in posts if p.expires_at > now), key=lambda p: p.due_at)


def _exact(start: datetime, offsets: tuple[timedelta, ...]) -> list[PlannedPost]:
    posts = [PlannedPost(PostKind.LAUNCH, timedelta(0), start, start + LAUNCH_POST_GRACE)]
    for offset in offsets:
        due = start - offset
        grace = min(offset / 4, REMINDER_GRACE_MAX)
        posts.append(PlannedPost(PostKind.REMINDER, offset, due, min(due + grace, start)))
    return posts


def _day(day: date, offsets: tuple[timedelta, ...], server_zone: str) -> list[PlannedPost]:
    zone = zone_for(server_zone)

    def morning(days_before: int) -> tuple[datetime, datetime]:
        local = day - timedelta(days=days_before)
        due = datetime.combine(local, MORNING, zone)
        end_of_day = datetime.combine(local + timedelta(days=1), time(0), zone)
        return _utc(due), _utc(end_of_day)

    due, expires = morning(0)
    posts = [PlannedPost(PostKind.LAUNCH, timedelta(0), due, expires)]
    for offset in offsets:
        if offset % timedelta(days=1):
            continue
        due, expires = morning(offset.days)
        posts.append(PlannedPost(PostKind.REMINDER, offset, due, expires))
    return posts


def _local_day(window: DateWindow) -> date:
    return window.start.astimezone(zone_for(window.tz)).date()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
