"""Sends scheduled posts when they are due. The posts table is the truth; APScheduler only
decides when to look:

- a wake-up at the earliest due post, re-armed whenever a nearer one is planned in this process;
- a sweep every few seconds, a cheap look at the earliest due post through a partial index, that
  catches posts planned by another process (a command-line import) and leases that ran out.

A due post is claimed under a lease before it is sent, sent with a nonce Discord enforces, then
marked sent. Channels are paced one by one, so a slow or failing channel never holds up others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app.dm_channels import DmChannels
from bot.app.in_flight import InFlight
from bot.app.metrics import Metrics
from bot.app.pacing import Pacer, discord_global_wait
from bot.app.post_kinds import Drop, Edit, Send, composers
from bot.app.post_sender import send_post
from bot.domain.admin_note import PostFailure, worth_a_note
from bot.domain.clock import Clock
from bot.domain.delivery import GiveUp, Timing, after_failure, timing
from bot.domain.records import ClaimedPost
from bot.domain.vocabulary import PostState
from bot.services.deliveries import DeliveryService
from bot.services.polls import PollService

if TYPE_CHECKING:
    from bot.app.poll_tally import PollMessages

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
PER_SERVER = 5
"""Posts of one server claimed at a time: what one channel may take in five seconds."""
SERVERS_IN_HAND = 100
"""Servers whose posts are being sent at once: enough to fill the global pace (48/s) while each
channel is held to 1/s."""
WAKE_JOB, SWEEP_JOB = "posts-wake", "posts-sweep"
STALE_AFTER = 60.0
"""Seconds without a look after which the dispatcher is reported stuck (or ten sweeps, if
longer)."""
_OVERLAP = 3
"""A look may start while one is sending (it returns at once), instead of APScheduler warning
that the job is still running."""


class Dispatcher:
    def __init__(
        self,
        client: discord.Client,
        deliveries: DeliveryService,
        scheduler: AsyncIOScheduler,
        clock: Clock,
        in_flight: InFlight,
        *,
        sweep_seconds: float = 5.0,
        lease: timedelta = LEASE,
        pacer: Pacer | None = None,
        polls: tuple[PollService, PollMessages] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._client = client
        self._deliveries = deliveries
        self._scheduler = scheduler
        self._clock = clock
        self._in_flight = in_flight
        self._sweep_seconds = sweep_seconds
        self._lease = lease
        self._pacer = pacer or Pacer(lambda: discord_global_wait(client))
        self._dm_channels = DmChannels(client, self._pacer)
        self._composers = composers(deliveries, polls, client)
        self._running = asyncio.Lock()
        self._armed: datetime | None = None
        self._poked = asyncio.Event()
        self._ready = False
        self._metrics = metrics or Metrics()
        self._started_at: float | None = None
        self._last_look: float | None = None
        """When the last look began (``time.monotonic``): the sweep's, or a wake-up's."""

    def start(self) -> None:
        self._started_at = time.monotonic()
        self._scheduler.add_job(
            self._look, IntervalTrigger(seconds=self._sweep_seconds), id=SWEEP_JOB,
            coalesce=True, max_instances=_OVERLAP, misfire_grace_time=None,
            next_run_time=_real_now(),
        )  # fmt: skip

    def wake_at(self, due_at: datetime | None) -> None:
        """Called after this process planned a post due at ``due_at``."""
        if due_at is None or (self._armed is not None and self._armed <= due_at):
            return
        self._armed = due_at
        delay = max(timedelta(0), due_at - self._clock())
        self._scheduler.add_job(
            self._look, DateTrigger(run_date=_real_now() + delay), id=WAKE_JOB,
            replace_existing=True, max_instances=_OVERLAP, misfire_grace_time=None,
        )  # fmt: skip

    @property
    def looking(self) -> bool:
        """A look is under way: claiming, or waiting for a server's posts to go out."""
        return self._running.locked()

    def liveness(self) -> tuple[str | None, float | None]:
        """What keeps it from sending posts (None if nothing), and how many seconds ago its last
        look began: it must look at least every few sweeps, however busy it is sending (a look
        while one is sending returns at once), so a missed look means a stuck scheduler."""
        if self._started_at is None:
            return "not started yet", None
        ago = time.monotonic() - (self._last_look or self._started_at)
        if not self._scheduler.running or self._scheduler.get_job(SWEEP_JOB) is None:
            return "its scheduler has stopped", ago
        stale = max(STALE_AFTER, 10 * self._sweep_seconds)
        if ago > stale:
            every = f"{self._sweep_seconds:g}"
            return f"no look at due posts for {ago:.0f} s (one is due every {every} s)", ago
        return None, ago

    async def _look(self) -> None:
        self._last_look = time.monotonic()
        if self._armed is not None and self._armed <= self._clock():
            self._armed = None
        if self._in_flight.closing:
            return
        if self._running.locked():  # the running look claims again at once
            self._poked.set()
            return
        async with self._running, self._in_flight.hold("scheduled posts"):
            try:
                await self._dispatch_due()
            except Exception:
                log.exception("scheduled posts: the look at due posts failed; next sweep retries")

    async def _dispatch_due(self) -> None:
        """Claims due posts while servers are free: each server's claimed posts go out in order
        on a task of their own, and that server gets more only once they are done, so servers go
        side by side and the bot keeps up to ``SERVERS_IN_HAND`` of them busy."""
        sending: dict[int, asyncio.Task[None]] = {}
        try:
            while not self._in_flight.closing:
                self._poked.clear()
                room = SERVERS_IN_HAND - len(sending)
                claimed_at = self._clock()
                # A look before each claim: a claim is a write, and most would find nothing.
                due = await self._anything_due(claimed_at)
                if not due and not sending:
                    return
                posts: list[ClaimedPost] = []
                if due and room > 0:
                    posts = await self._deliveries.claim(
                        self._lease, room * PER_SERVER, busy=sending.keys(), per_guild=PER_SERVER
                    )
                for guild_id, group in _by_guild(posts).items():
                    sending[guild_id] = asyncio.create_task(self._send_in_order(group))
                if posts and len(sending) < SERVERS_IN_HAND:
                    continue
                if due and not posts:
                    await self._arm(claimed_at)
                if not sending:
                    return
                await self._until_a_server_is_done(sending)
        finally:
            if sending:
                await asyncio.gather(*sending.values(), return_exceptions=True)

    async def _anything_due(self, now: datetime) -> bool:
        """One look at the earliest due post (a read, where a claim would take the write lock);
        when none is due yet, arms the wake-up at it."""
        earliest = await self._deliveries.earliest_due()
        if not self._ready:
            self._ready = True
            log.info("scheduled posts: watching; the next is due %s", earliest or "never")
        if earliest is not None and earliest <= now:
            return True
        if earliest is not None:
            self.wake_at(earliest)
        return False

    async def _arm(self, claimed_at: datetime) -> None:
        """Arms the wake-up at the next post due after the last claim (at once if it has fallen
        due since). Due posts that claim left behind wait for their server to be free (a server
        done sending looks again) or, held by another process, for the sweep."""
        earliest = await self._deliveries.earliest_due(claimed_at)
        if earliest is not None:
            self.wake_at(earliest)

    async def _until_a_server_is_done(self, sending: dict[int, asyncio.Task[None]]) -> None:
        poked = asyncio.ensure_future(self._poked.wait())
        try:
            await asyncio.wait([*sending.values(), poked], return_when=asyncio.FIRST_COMPLETED)
        finally:
            poked.cancel()
        for guild_id, task in list(sending.items()):
            if task.done():
                del sending[guild_id]
                if not task.cancelled() and task.exception() is not None:
                    log.error("scheduled posts: a server's posts failed", exc_info=task.exception())

    async def _send_in_order(self, posts: list[ClaimedPost]) -> None:
        for index, post in enumerate(posts):
            if self._in_flight.closing:
                await self._deliveries.release(posts[index:])
                return
            await self._deliver(post)

    async def _deliver(self, post: ClaimedPost) -> None:
        now = self._clock()
        when = timing(post.due_at, post.expires_at, now)
        if when is Timing.EXPIRED:
            reason = f"too late: due {post.due_at:%Y-%m-%d %H:%M} UTC, the bot was not running"
            await self._finish(post, PostState.SKIPPED, reason=reason)
            return
        composer = self._composers.get(post.kind)
        if composer is None:
            reason = f"this version of the bot cannot send a {post.kind!r} post"
            await self._finish(post, PostState.FAILED, reason=reason)
            return
        late = when is Timing.LATE
        composed = await composer.compose(post, late=late)
        if isinstance(composed, Drop):
            await self._finish(post, composed.state, reason=composed.reason)
            return
        try:
            if isinstance(composed, Edit):  # paced by whoever makes it
                channel_id, message_id = composed.channel_id, composed.message_id
                await composed.run()
            else:
                channel_id = composed.channel_id or await self._dm_channel(composed.user_id)
                await self._pacer.slot(channel_id)
                message_id = await send_post(self._client, channel_id, post.id, composed.out)
        except discord.HTTPException as error:
            await self._failed(post, composed, error.status, error.code)
            return
        except (aiohttp.ClientError, TimeoutError):
            await self._failed(post, composed, None, None)
            return
        sent_at = self._clock()
        await self._deliveries.finish(
            post, PostState.SENT, channel_id=channel_id, message_id=message_id, late=late
        )
        self._metrics.post_finished(PostState.SENT, late_by=sent_at - post.due_at)

    async def _finish(self, post: ClaimedPost, state: PostState, *, reason: str) -> None:
        await self._deliveries.finish(post, state, reason=reason)
        self._metrics.post_finished(state)

    async def _dm_channel(self, user_id: int | None) -> int:
        if user_id is None:
            raise ValueError("a post to send has a channel or a user")
        return await self._dm_channels.channel_id(user_id)

    async def _failed(
        self, post: ClaimedPost, sent: Send | Edit, status: int | None, code: int | None
    ) -> None:
        outcome = after_failure(status, code, post.attempts, self._clock(), post.expires_at)
        if isinstance(outcome, GiveUp):
            log.warning("scheduled post %s failed: %s", post.id, outcome.reason)
            refused = _refusal(post, sent, status, code)
            await self._deliveries.finish(
                post, PostState.FAILED, reason=outcome.reason, refused=refused
            )
            self._metrics.post_finished(PostState.FAILED)
            return
        await self._deliveries.retry(post, outcome.at, outcome.reason)
        self._metrics.post_retried()
        self.wake_at(outcome.at)


def _refusal(
    post: ClaimedPost, sent: Send | Edit, status: int | None, code: int | None
) -> PostFailure | None:
    """What the server's admins are told about a channel post Discord refused for good (none
    for a member's DM: a closed DM is the member's to fix; none for an edit of the bot's own
    message, such as a closing poll's, whose message may simply have been deleted)."""
    if (
        isinstance(sent, Edit)
        or sent.channel_id is None
        or status is None
        or not worth_a_note(post.kind, status)
    ):
        return None
    return PostFailure(post.kind, sent.about, sent.channel_id, status, code)


def _by_guild(posts: list[ClaimedPost]) -> dict[int, list[ClaimedPost]]:
    by_guild: dict[int, list[ClaimedPost]] = defaultdict(list)
    for post in posts:
        by_guild[post.guild_id].append(post)
    return by_guild


def _real_now() -> datetime:
    return datetime.now(UTC)
