"""Many due scheduled posts written straight into the tables, as a bulk import would leave them:
for each post a confirmed launch at an exact time whose launch-time post is due then, in its
server's announce channel. The servers have no reminder offsets, so each launch's plan is exactly
that one post, and the bot sends it as it would any other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.db import planned_post_rows
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Brand, Device, GuildSettings, Launch, Post
from bot.domain.dates import DateWindow
from bot.domain.guild_settings import GuildSettingsRecord
from bot.domain.records import PostPlan
from bot.domain.vocabulary import LaunchKind, LaunchStatus, Precision
from bot.services.post_planning import posts_for

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Announce:
    guild_id: int
    channel_id: int


def _settings(target: Announce) -> GuildSettingsRecord:
    return GuildSettingsRecord(
        guild_id=target.guild_id, timezone="UTC", reminder_offsets=(), digest_weekday=None,
        digest_time="09:00", announce_channel_id=target.channel_id, ping_role_id=None,
        editor_role_id=None, change_notices=False, scheduled_events=False,
        ping_statuses=(LaunchStatus.CONFIRMED,),
    )  # fmt: skip


def _settings_row(target: Announce, now: datetime) -> dict[str, Any]:
    return {
        "guild_id": target.guild_id,
        "announce_channel_id": target.channel_id,
        "timezone": "UTC",
        "reminder_offsets": [],
        "digest_weekday": None,
        "digest_time": "09:00",
        "ping_statuses": ["confirmed"],
        "change_notices": False,
        "scheduled_events": False,
        "events_permission_warned": False,
        "created_at": now,
        "updated_at": now,
    }


async def seed_due_posts(
    db_url: str, targets: Sequence[Announce], due: Sequence[datetime]
) -> list[int]:
    """One post due at each of ``due``, the n-th in ``targets[n % len(targets)]``; returns the
    posts' ids in the same order."""
    now = datetime.now(UTC)
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(GuildSettings), [_settings_row(t, now) for t in targets])
            brands = (
                await conn.execute(
                    insert(Brand).returning(Brand.id, sort_by_parameter_order=True),
                    [{"guild_id": t.guild_id, "name": "Seed", "name_key": "seed"} for t in targets],
                )
            ).scalars()
            brand_of = dict(zip((t.guild_id for t in targets), brands, strict=True))
            launch_ids: list[int] = []
            for at in range(0, len(due), CHUNK):
                numbers = range(at, min(at + CHUNK, len(due)))
                guilds = [targets[n % len(targets)].guild_id for n in numbers]
                devices = (
                    await conn.execute(
                        insert(Device).returning(Device.id, sort_by_parameter_order=True),
                        [
                            {
                                "guild_id": g,
                                "brand_id": brand_of[g],
                                "name": f"Phone {n}",
                                "name_key": f"phone {n}",
                                "is_series": False,
                            }
                            for n, g in zip(numbers, guilds, strict=True)
                        ],
                    )
                ).scalars()
                rows = [
                    {
                        "guild_id": g,
                        "device_id": d,
                        "region": "Global",
                        "region_key": "global",
                        "kind": LaunchKind.ANNOUNCEMENT,
                        "status": LaunchStatus.CONFIRMED,
                        "window_start": due[n],
                        "window_end": due[n] + timedelta(minutes=1),
                        "precision": Precision.EXACT,
                        "timezone": "UTC",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n, g, d in zip(numbers, guilds, devices, strict=True)
                ]
                launch_ids += (
                    await conn.execute(
                        insert(Launch).returning(Launch.id, sort_by_parameter_order=True), rows
                    )
                ).scalars()
        plans: dict[int, list[PostPlan]] = defaultdict(list)
        for n, launch_id in enumerate(launch_ids):
            target = targets[n % len(targets)]
            window = DateWindow(due[n], due[n] + timedelta(minutes=1), Precision.EXACT, "UTC")
            before_due = due[n] - timedelta(microseconds=1)
            plans[target.guild_id] += posts_for(
                launch_id, window, LaunchStatus.CONFIRMED, _settings(target), before_due
            )
        sessions = create_session_factory(engine)
        async with sessions() as session, session.begin():
            for guild_id, plan in plans.items():
                await planned_post_rows.insert_all(session, guild_id, plan, now)
        async with engine.connect() as conn:
            found = await conn.execute(select(Post.launch_id, Post.id))
            id_of = {launch_id: post_id for launch_id, post_id in found}
        return [id_of[launch_id] for launch_id in launch_ids]
    finally:
        await engine.dispose()
