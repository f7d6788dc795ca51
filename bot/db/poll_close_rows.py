"""The open polls of a server that close with their launch, beside their launch's date as it now
stands: what a bulk change of launches (a catalog import) reads to move their closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Launch, Poll
from bot.domain.dates import DateWindow
from bot.domain.vocabulary import LaunchStatus, PollState, Precision

POLLS, LAUNCHES = Poll.__table__.c, Launch.__table__.c
FOLLOWED = (
    POLLS.id, POLLS.launch_id, POLLS.closes_at, POLLS.native, LAUNCHES.window_start,
    LAUNCHES.window_end, LAUNCHES.precision, LAUNCHES.timezone, LAUNCHES.status,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FollowingPoll:
    poll_id: int
    launch_id: int
    closes_at: datetime
    native: bool
    window: DateWindow | None
    status: LaunchStatus


async def following_polls(session: AsyncSession, guild_id: int) -> list[FollowingPoll]:
    rows = await session.execute(
        select(*FOLLOWED)
        .join(Launch, (LAUNCHES.id == POLLS.launch_id) & (LAUNCHES.guild_id == POLLS.guild_id))
        .where(
            POLLS.guild_id == guild_id,
            POLLS.closes_with_launch.is_(True),
            POLLS.state == PollState.OPEN,
        )
    )
    return [
        FollowingPoll(poll, launch, closes_at, bool(native), _window(start, end, kind, tz), status)
        for poll, launch, closes_at, native, start, end, kind, tz, status in rows
    ]


def _window(
    start: datetime | None, end: datetime | None, precision: Precision | None, zone: str | None
) -> DateWindow | None:
    if start is None or end is None or precision is None:
        return None
    return DateWindow(start, end, precision, zone or "UTC")
