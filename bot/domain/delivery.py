"""What to do with a scheduled post at the moment it is taken up, and after Discord answers.

- Sent more than ``LATE_AFTER`` after it was due, a post says it is late; past its grace window
  (``expires_at``) it is not sent at all, since it would say something no longer true.
- Discord's 403 and 404 are final (the channel is gone or closed to the bot): the post fails with
  the reason, and the server's admins are told once per cause (``admin_note.py``).
- 429, 5xx and network failures are retried with growing waits while the grace window lasts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

LATE_AFTER = timedelta(minutes=1)
RETRY_FIRST = timedelta(seconds=5)
RETRY_MAX = timedelta(minutes=10)
FINAL_STATUSES = frozenset({400, 401, 403, 404, 413})


class Timing(enum.Enum):
    ON_TIME = "on time"
    LATE = "late"
    EXPIRED = "expired"


def timing(due_at: datetime, expires_at: datetime, now: datetime) -> Timing:
    if now >= expires_at:
        return Timing.EXPIRED
    return Timing.LATE if now - due_at > LATE_AFTER else Timing.ON_TIME


@dataclass(frozen=True, slots=True)
class Retry:
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class GiveUp:
    reason: str


def after_failure(
    status: int | None, code: int | None, attempts: int, now: datetime, expires_at: datetime
) -> Retry | GiveUp:
    """``status`` None: no answer (network). ``attempts`` counts this one."""
    what = "no answer from Discord" if status is None else f"Discord answered {status}"
    if code:
        what += f" (code {code})"
    if status in FINAL_STATUSES:
        return GiveUp(what)
    wait = min(RETRY_FIRST * 2 ** max(0, attempts - 1), RETRY_MAX)
    if now + wait >= expires_at:
        return GiveUp(f"{what}; gave up after {attempts} attempts, past its grace window")
    return Retry(now + wait, f"{what}; retrying")
