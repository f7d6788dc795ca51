"""A poll's close as a scheduled post, planned in the transaction that creates the poll, and
moved in the launch's own write transaction when a poll closes with its launch and the launch
moves (or ends, or is removed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import poll_rows, post_rows
from bot.domain.poll_rules import CLOSE_GRACE, CLOSE_KIND, close_key, followed_close, poll_subject
from bot.domain.records import LaunchRecord, PostPlan
from bot.services.post_planning import CHANNEL


def close_post(when: datetime) -> PostPlan:
    return PostPlan(
        key=close_key(when), target=CHANNEL, kind=CLOSE_KIND, due_at=when,
        expires_at=when + CLOSE_GRACE,
    )  # fmt: skip


async def follow_launch(
    session: AsyncSession, guild_id: int, launch_id: int, when: datetime, now: datetime
) -> tuple[int, ...]:
    """Moves the close of the launch's open polls that close with it to ``when`` (one statement
    when none has to move, three otherwise); the polls moved."""
    moved = await poll_rows.move_launch_closes(session, guild_id, launch_id, when)
    subjects = [poll_subject(poll_id) for poll_id in moved]
    await post_rows.move_subjects(session, guild_id, subjects, close_post(when), now)
    return tuple(moved)


async def after_launch_change(
    session: AsyncSession,
    guild_id: int,
    launch_id: int,
    after: LaunchRecord | None,
    now: datetime,
) -> tuple[datetime | None, tuple[int, ...]]:
    """For a launch whose date or status changed (``after`` None: removed): when the moved
    closes are due, and which polls moved."""
    when = (
        followed_close(after.window, after.status, now)
        if after
        else followed_close(None, None, now)
    )
    if when is None:
        return None, ()
    moved = await follow_launch(session, guild_id, launch_id, when, now)
    return (when if moved else None), moved
