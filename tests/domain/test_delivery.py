"""When a scheduled post is late or expired, and what follows each kind of failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.delivery import GiveUp, Retry, Timing, after_failure, timing

DUE = datetime(2027, 3, 1, 12, tzinfo=UTC)
EXPIRES = DUE + timedelta(hours=1)


def test_timing() -> None:
    assert timing(DUE, EXPIRES, DUE - timedelta(seconds=1)) is Timing.ON_TIME
    assert timing(DUE, EXPIRES, DUE + timedelta(seconds=60)) is Timing.ON_TIME
    assert timing(DUE, EXPIRES, DUE + timedelta(seconds=61)) is Timing.LATE
    assert timing(DUE, EXPIRES, EXPIRES) is Timing.EXPIRED


@pytest.mark.parametrize("status", [403, 404])
def test_a_closed_or_missing_channel_is_final(status: int) -> None:
    outcome = after_failure(status, 50001, 1, DUE, EXPIRES)
    assert outcome == GiveUp(f"Discord answered {status} (code 50001)")


@pytest.mark.parametrize("status", [None, 429, 500, 502, 503])
def test_transient_failures_retry_with_growing_waits_within_grace(status: int | None) -> None:
    waits = []
    for attempt in range(1, 6):
        outcome = after_failure(status, None, attempt, DUE, EXPIRES)
        assert isinstance(outcome, Retry)
        waits.append(outcome.at - DUE)
    assert waits == [timedelta(seconds=s) for s in (5, 10, 20, 40, 80)]
    late = after_failure(status, None, 3, EXPIRES - timedelta(seconds=10), EXPIRES)
    assert isinstance(late, GiveUp) and "gave up after 3 attempts" in late.reason
