"""Plans, at start and every hour, what should be planned and is not:

- the next digest of every server with digests on and an announce channel (the bot was down past
  a digest's grace window, so it was skipped without planning the next): one indexed look;
- the posts of launches that have none at all (dated before this version planned posts, e.g. a
  database upgraded from one without them): one look at the launches that can still have
  posts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app.in_flight import InFlight
from bot.services.deliveries import DeliveryService
from bot.services.digests import DigestService

log = logging.getLogger(__name__)

JOB = "plan-checks"
EVERY = timedelta(hours=1)


class PlanChecks:
    def __init__(
        self,
        digests: DigestService,
        deliveries: DeliveryService,
        scheduler: AsyncIOScheduler,
        in_flight: InFlight,
        wake_at: Callable[[datetime | None], None],
    ) -> None:
        self._digests = digests
        self._deliveries = deliveries
        self._scheduler = scheduler
        self._wake_at = wake_at
        self._check = in_flight.job("planning checks")(self._plan_missing)

    def start(self) -> None:
        self._scheduler.add_job(
            self._check, IntervalTrigger(seconds=EVERY.total_seconds()), id=JOB, coalesce=True,
            max_instances=1, misfire_grace_time=None, next_run_time=datetime.now(UTC),
        )  # fmt: skip

    async def _plan_missing(self) -> None:
        try:
            self._wake_at(await self._digests.plan_missing())
        except Exception:
            log.exception("weekly digests: planning the missing ones failed; the next check tries")
        try:
            self._wake_at(await self._deliveries.plan_unplanned_launches())
        except Exception:
            log.exception("launch posts: planning the missing ones failed; the next check tries")
