"""What a poll posted as a Discord native poll may be, and its votes as Discord reports them.

Discord counts a native poll's votes itself and shows them live, for at most 32 days (768
hours, in whole hours), with at most 10 answers, single or multiple choice. So a native poll
asks no confidence and cannot hide its results; its votes are read back when it ends."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.domain.errors import InvalidInput

MAX_HOURS = 768
"""Discord's longest native poll: 32 days."""
HOUR = timedelta(hours=1)


def check_native_options(*, confidence: bool, hidden: bool) -> None:
    if confidence:
        raise InvalidInput(
            "A Discord native poll cannot ask how sure members are: Discord counts the votes "
            "itself. Turn off confidence, or leave native off for a poll with buttons."
        )
    if hidden:
        raise InvalidInput(
            "A Discord native poll cannot hide its results: Discord shows them live. Turn off "
            "hidden, or leave native off for a poll with buttons."
        )


def native_hours(closes_at: datetime, now: datetime) -> int:
    """The native poll's duration: whole hours from ``now`` to the close, rounded up (Discord
    takes whole hours; the bot ends the poll itself at the close), at least one."""
    hours = max(1, math.ceil((closes_at - now) / HOUR))
    if hours > MAX_HOURS:
        days = (closes_at - now) / timedelta(days=1)
        raise InvalidInput(
            f"A Discord native poll can stay open for at most 32 days (768 hours, Discord's "
            f"limit); this one would close in {days:.1f} days. Give an earlier closes, or leave "
            "native off for a poll with buttons (up to two years)."
        )
    return hours


def rounded_up(closes_at: datetime, now: datetime) -> bool:
    """Whether Discord's own timer runs past the close (by less than an hour)."""
    return (closes_at - now) % HOUR != timedelta(0)


def choices_of(voters: Iterable[tuple[int, int]], answer_count: int) -> dict[int, int]:
    """Members' choices as bitmasks from ``(answer id, user id)`` pairs as Discord lists them
    (answer ids count from 1, in the poll's order); answers the poll does not have are ignored."""
    choices: dict[int, int] = {}
    for answer_id, user_id in voters:
        if 1 <= answer_id <= answer_count:
            choices[user_id] = choices.get(user_id, 0) | 1 << (answer_id - 1)
    return choices
