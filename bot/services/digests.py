"""Planning each server's weekly digest and reading what it shows.

A server with digests on and an announce channel always has its next digest planned as a post
row (subject ``digest``, key naming the server's local day): planned in the settings transaction
when a setting that decides it changes, planned anew when one goes out, and, for servers whose
next digest is missing (the bot was down past a digest's grace window), by ``plan_missing`` at
start and every hour after, one statement to find them however many servers there are.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import digest_rows
from bot.db.engine import begin_write, reading
from bot.db.launch_rows import launch_records
from bot.db.settings_rows import load_guild_settings
from bot.domain.clock import Clock
from bot.domain.digest import DigestContent, DigestMoment, next_digest
from bot.domain.guild_settings import GuildDefaults, GuildSettingsRecord
from bot.domain.records import PostPlan
from bot.domain.shards import ShardSpan

KIND = "digest"
TARGET = "channel"
"""The server's announce channel, as it is set when the digest goes out."""
WEEK_CAP = 15
LATER_CAP = 10


def digest_wanted(settings: GuildSettingsRecord) -> bool:
    return settings.digest_weekday is not None and settings.announce_channel_id is not None


def digest_changed(before: GuildSettingsRecord, after: GuildSettingsRecord) -> bool:
    """Whether a settings change moves, starts or stops the server's digest."""

    def deciding(s: GuildSettingsRecord) -> tuple[object, ...]:
        return (digest_wanted(s), s.digest_weekday, s.digest_time, s.timezone)

    return deciding(before) != deciding(after)


def _planned(moment: DigestMoment) -> PostPlan:
    return PostPlan(
        key=moment.key, target=TARGET, kind=KIND, due_at=moment.due_at,
        expires_at=moment.expires_at,
    )  # fmt: skip


async def replan_digest(
    session: AsyncSession, settings: GuildSettingsRecord, now: datetime
) -> datetime | None:
    """Plans the server's next digest after ``now`` (cancelling any other pending one), or
    cancels it when digests are off or there is no announce channel; two statements (three when
    the next local day already had its digest, and the one a week later is planned)."""
    if settings.digest_weekday is None or not digest_wanted(settings):
        await digest_rows.cancel_other(session, settings.guild_id, None, now)
        return None
    moment = next_digest(settings.digest_weekday, settings.digest_time, settings.timezone, now)
    await digest_rows.cancel_other(session, settings.guild_id, moment.key, now)
    if not await digest_rows.plan(session, [(settings.guild_id, _planned(moment))], now):
        moment = next_digest(
            settings.digest_weekday, settings.digest_time, settings.timezone, moment.due_at
        )
        await digest_rows.plan(session, [(settings.guild_id, _planned(moment))], now)
    return moment.due_at


class DigestService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        defaults: GuildDefaults,
        shards: ShardSpan | None = None,
    ) -> None:
        """``shards``: the servers whose missing digests this process plans (None: all)."""
        self._sessions = sessions
        self._clock = clock
        self._defaults = defaults
        self._shards = shards

    async def settings(self, guild_id: int) -> GuildSettingsRecord:
        async with reading(self._sessions) as session:
            return await load_guild_settings(session, guild_id, self._defaults)

    async def plan_next(self, guild_id: int) -> datetime | None:
        """Plans the server's next digest after now (a digest is going out)."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            settings = await load_guild_settings(session, guild_id, self._defaults)
            return await replan_digest(session, settings, now)

    async def plan_missing(self) -> datetime | None:
        """Plans the next digest of every server that should have one and has none; returns the
        earliest planned. Two statements when all are planned already."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            servers = await digest_rows.unplanned_servers(session, now, self._shards)
            moments = {g: next_digest(w, t, z, now) for g, w, t, z in servers}
            planned = await digest_rows.plan(
                session, [(g, _planned(m)) for g, m in moments.items()], now
            )
            # A server whose next local day had its digest already (its time moved later that
            # day after it went out) gets the one a week later.
            again = {
                g: next_digest(w, t, z, moments[g].due_at)
                for g, w, t, z in servers
                if g not in planned
            }
            await digest_rows.plan(session, [(g, _planned(m)) for g, m in again.items()], now)
        return min((m.due_at for m in (moments | again).values()), default=None)

    async def content(self, guild_id: int, moment: DigestMoment) -> DigestContent:
        """The launches of the week from ``moment`` and what is rumoured after it."""
        async with reading(self._sessions) as session:
            start, end = moment.due_at, moment.week_end
            week, week_total = await digest_rows.week_rows(session, guild_id, start, end, WEEK_CAP)
            later, later_total = await digest_rows.later_rows(
                session, guild_id, start, end, LATER_CAP
            )
            records = await launch_records(session, guild_id, week + later, with_aliases=False)
        return DigestContent(
            tuple(records[: len(week)]), week_total, tuple(records[len(week) :]), later_total
        )
