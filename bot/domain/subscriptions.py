"""Members' own reminders: who a DM post goes to, and what repeated failed DMs lead to.

A member subscribes to a launch or to a brand (every launch of it). Their reminders are posts
whose target names them (``user:<id>``), added when the launch's channel post goes out. A DM
that fails (most often: the member's DMs are closed to the bot) counts against the member; the
first failure in a row leaves them a notice for their next interaction, and after
``UNSUBSCRIBE_AFTER`` in a row they are unsubscribed (and told so instead).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.dates import DateWindow
from bot.domain.vocabulary import LaunchStatus

USER_TARGET = "user:"
UNSUBSCRIBE_AFTER = 3


def user_target(user_id: int) -> str:
    return f"{USER_TARGET}{user_id}"


def user_of(target: str) -> int | None:
    """The member a post's target names, or None for a channel post."""
    if not target.startswith(USER_TARGET):
        return None
    digits = target.removeprefix(USER_TARGET)
    return int(digits) if digits.isascii() and digits.isdigit() else None


class DmNotice(enum.StrEnum):
    """What a member is told at their next interaction."""

    CLOSED = "closed"
    UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True, slots=True)
class AfterDmFailure:
    failures: int
    notice: DmNotice | None
    unsubscribe: bool


def after_dm_failure(failures: int, notice: DmNotice | None) -> AfterDmFailure:
    """``failures`` counts this one. The first failure in a row leaves a notice (an earlier one
    still untold stays); the ``UNSUBSCRIBE_AFTER``-th ends the member's subscriptions and starts
    the count again."""
    if failures >= UNSUBSCRIBE_AFTER:
        return AfterDmFailure(0, DmNotice.UNSUBSCRIBED, unsubscribe=True)
    if failures == 1:
        return AfterDmFailure(failures, notice or DmNotice.CLOSED, unsubscribe=False)
    return AfterDmFailure(failures, notice, unsubscribe=False)


class SubscribedTo(enum.StrEnum):
    LAUNCH = "launch"
    BRAND = "brand"


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """One of a member's subscriptions, with what is shown for it."""

    to: SubscribedTo
    id: int
    """The launch's or the brand's id."""
    name: str
    window: DateWindow | None = None
    status: LaunchStatus | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Subscribed:
    """The answer to a subscribe or unsubscribe: what it is about and whether anything changed."""

    to: SubscribedTo
    id: int
    name: str
    changed: bool
