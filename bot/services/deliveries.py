"""Scheduled posts as the dispatcher sees them: when the next one is due, claiming due posts,
what each is about right now, and recording what happened."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import (
    due_post_rows,
    planned_post_rows,
    post_claim_rows,
    post_report_rows,
    subscription_rows,
)
from bot.db import launch_queries as q
from bot.db.engine import begin_write, reading
from bot.db.launch_rows import launch_records
from bot.db.settings_rows import load_guild_settings
from bot.domain.admin_note import NOTE_KIND, NOTE_SUBJECT, PostFailure, note_plan
from bot.domain.clock import Clock
from bot.domain.guild_settings import GuildDefaults, GuildSettingsRecord
from bot.domain.post_listing import PostList
from bot.domain.records import ClaimedPost, LaunchRecord, PostSummary
from bot.domain.shards import ShardSpan
from bot.domain.subscriptions import user_of
from bot.domain.vocabulary import PostState
from bot.services.digests import DigestService
from bot.services.post_planning import launch_posts, replan_server
from bot.services.subscriptions import PendingNotices

UNTOLD_KEPT = 10_000
"""Channels remembered as having no note cause to free (forgetting one costs one statement)."""


@dataclass(frozen=True, slots=True)
class PostSubject:
    """What a claimed post is about, read when it goes out (not when it was planned)."""

    settings: GuildSettingsRecord
    launch: LaunchRecord | None
    still_planned: bool
    """False when the launch has changed so that this post is no longer part of its plan."""


class DeliveryService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        defaults: GuildDefaults,
        notices: PendingNotices | None = None,
        shards: ShardSpan | None = None,
    ) -> None:
        """``shards``: the servers this process owns (those of its shards; None: all), the only
        ones whose posts it plans at start, looks at and claims."""
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._clock = clock
        self._defaults = defaults
        self._shards = shards
        self.digests = DigestService(sessions, clock, defaults, shards)
        self._notices = notices if notices is not None else PendingNotices()
        self._untold: set[tuple[int, int]] = set()
        """(server, channel) pairs with no note cause to free: a post went through there since
        this process last planned a note about them, so the next one costs no statement. A hint
        (the table is the truth): a note another process plans meanwhile is freed by that
        process's next post there, or by this one's after a restart."""

    async def plan_unplanned_launches(self) -> datetime | None:
        """Plans the posts of every server that has launches with none (a database from before
        scheduled posts); a single look when there are none. Returns the earliest now due."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            servers = await planned_post_rows.servers_with_unplanned_launches(
                session, now, self._shards
            )
            for guild_id in servers:
                settings = await load_guild_settings(session, guild_id, self._defaults)
                await replan_server(session, settings, now)
            return (
                await due_post_rows.earliest_due(session, None, self._shards) if servers else None
            )

    async def earliest_due(self, after: datetime | None = None) -> datetime | None:
        """When the next post of a server this process owns is due, or a lease runs out (only
        later than ``after``, if given): one trip to the driver, seeing every commit."""
        return await due_post_rows.look_at_earliest_due(self._engine, after, self._shards)

    async def claim(
        self,
        lease: timedelta,
        limit: int,
        *,
        busy: Collection[int] = (),
        per_guild: int | None = None,
    ) -> list[ClaimedPost]:
        """Claims due posts of the servers this process owns."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            return await post_claim_rows.claim_due(
                session, now, lease, limit, self._shards, busy=busy, per_guild=per_guild
            )

    async def settings(self, guild_id: int) -> GuildSettingsRecord:
        """The server's settings as they are now (one statement)."""
        async with reading(self._sessions) as session:
            return await load_guild_settings(session, guild_id, self._defaults)

    async def subject(self, post: ClaimedPost) -> PostSubject:
        async with reading(self._sessions) as session:
            settings = await load_guild_settings(session, post.guild_id, self._defaults)
            launch = None
            if post.launch_id is not None:
                row = await q.listed_launch(session, post.guild_id, post.launch_id)
                if row is not None:
                    launch = (await launch_records(session, post.guild_id, [row]))[0]
        # A member's copy of a channel post (target ``user:<id>``) shares its moment.
        target = post.target if user_of(post.target) is None else None
        planned = launch is not None and any(
            p.key == post.key and target in (None, p.target)
            for p in launch_posts(launch, settings, post.due_at - timedelta(microseconds=1))
        )
        return PostSubject(settings, launch, planned)

    async def fan_out(self, post: ClaimedPost) -> int:
        """Adds a copy of a launch's channel post for each member subscribed to the launch or
        its brand, due at once; how many were new."""
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            return await subscription_rows.fan_out(session, post, self._clock())

    async def finish(
        self,
        post: ClaimedPost,
        state: PostState,
        *,
        reason: str | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
        late: bool = False,
        refused: PostFailure | None = None,
    ) -> None:
        """Records what happened to a claimed post. A channel post Discord ``refused`` (failed)
        plans its note to the server's admins in the same transaction (once per cause: a cause
        already told plans nothing), and the first to go through to a channel after that frees
        the causes told about the channel (``bot/domain/admin_note.py``)."""
        member = user_of(post.target)
        told = False
        went_through: tuple[int, int] | None = None  # (server, channel) of a channel post sent
        if member is None and state is PostState.SENT and channel_id is not None:
            went_through = None if post.kind == NOTE_KIND else (post.guild_id, channel_id)
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            now = self._clock()
            await post_claim_rows.finish(
                session, post.id, state, now, reason=reason, channel_id=channel_id,
                message_id=message_id, late=late,
            )  # fmt: skip
            if member is not None and state is PostState.SENT:
                await subscription_rows.dm_sent(session, post.guild_id, member, now)
            elif member is not None and state is PostState.FAILED:
                counted = await subscription_rows.dm_failed(
                    session, post.guild_id, member, reason or "failed", now
                )
                told = counted.notice is not None
            elif refused is not None and state is PostState.FAILED:
                note = note_plan(refused, now)
                await planned_post_rows.insert(session, post.guild_id, NOTE_SUBJECT, [note], now)
            elif went_through is not None and went_through not in self._untold:
                await post_claim_rows.free_note_causes(session, *went_through, now)
        if member is not None and told:  # after the commit: the notice is in the table
            self._notices.add(post.guild_id, member)
        if refused is not None and state is PostState.FAILED:
            self._untold.discard((post.guild_id, refused.channel_id))
        elif went_through is not None:
            if len(self._untold) >= UNTOLD_KEPT:
                self._untold.clear()
            self._untold.add(went_through)

    async def retry(self, post: ClaimedPost, at: datetime, reason: str) -> None:
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            await post_claim_rows.retry_later(session, post.id, at, reason, self._clock())

    async def release(self, posts: Sequence[ClaimedPost]) -> None:
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            await post_claim_rows.release(session, [p.id for p in posts], self._clock())

    async def pending_in_all_servers(self) -> int:
        """Posts waiting to be sent in every server (for the metrics)."""
        async with reading(self._sessions) as session:
            return await post_report_rows.pending_in_all_servers(session)

    async def overdue_in_all_servers(self) -> int:
        """Posts waiting to be sent in every server whose time has come (for the metrics)."""
        async with reading(self._sessions) as session:
            return await post_report_rows.pending_in_all_servers(session, self._clock())

    async def counts(self, guild_id: int) -> dict[PostState, int]:
        async with reading(self._sessions) as session:
            return await post_report_rows.counts_by_state(session, guild_id)

    async def summary(self, guild_id: int) -> PostSummary:
        async with reading(self._sessions) as session:
            return await post_report_rows.summary(session, guild_id)

    async def listing(self, guild_id: int, state: PostState | None, limit: int) -> PostList:
        """The server's posts one by one, for the command line (one read, two statements)."""
        async with reading(self._sessions) as session:
            counts = await post_report_rows.counts_by_state(session, guild_id)
            posts = await post_report_rows.listed(session, guild_id, state, limit)
        return PostList(guild_id, state, limit, tuple(posts), counts)
