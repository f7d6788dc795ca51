"""Plans a launch's scheduled posts inside the transaction that changes the launch, so a date or
status change and its posts are one commit: old posts cancelled, new ones planned, and the
change notice planned in the same INSERT."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import planned_post_rows
from bot.domain.change_notice import NOTICE_GRACE, NOTICE_KIND, notice_key, wanted_notice
from bot.domain.dates import DateWindow
from bot.domain.guild_settings import GuildSettingsRecord
from bot.domain.post_plan import FINISHED, plan_launch_posts
from bot.domain.records import LaunchChange, LaunchRecord, PostPlan
from bot.domain.vocabulary import LaunchStatus, Precision

if TYPE_CHECKING:
    from bot.services.poll_planning import MovedCloses

CHANNEL = "channel"
"""The server's announce channel, as it is set when the post goes out."""


def launch_subject(launch_id: int) -> str:
    return f"launch:{launch_id}"


def may_have_posts(launch: LaunchRecord | None) -> bool:
    """Whether a launch in this state can have pending posts (so re-planning must cancel)."""
    return (
        launch is not None
        and launch.window is not None
        and launch.window.precision in (Precision.EXACT, Precision.DAY)
        and launch.status not in FINISHED
    )


def launch_posts(
    launch: LaunchRecord, settings: GuildSettingsRecord, now: datetime
) -> list[PostPlan]:
    return posts_for(launch.id, launch.window, launch.status, settings, now)


def posts_for(
    launch_id: int,
    window: DateWindow | None,
    status: LaunchStatus,
    settings: GuildSettingsRecord,
    now: datetime,
) -> list[PostPlan]:
    planned = plan_launch_posts(window, status, settings.reminder_offsets, settings.timezone, now)
    return [
        PostPlan(
            key=f"{p.key}@{p.due_at:%Y%m%dT%H%M}",
            target=CHANNEL,
            kind=p.kind.value,
            due_at=p.due_at,
            expires_at=p.expires_at,
            launch_id=launch_id,
        )
        for p in planned
    ]


def notice_post(change: LaunchChange, now: datetime) -> PostPlan | None:
    """The change notice a change plans, if any: due at once, to the announce channel, saying
    what the change was (the launch may change again before it goes out)."""
    notice = wanted_notice(change)
    if notice is None or change.after is None:
        return None
    return PostPlan(
        key=notice_key(now, notice),
        target=CHANNEL,
        kind=NOTICE_KIND,
        due_at=now,
        expires_at=now + NOTICE_GRACE,
        launch_id=change.after.id,
        payload=notice.payload(),
    )


async def replan_launch(
    session: AsyncSession,
    before: LaunchRecord | None,
    after: LaunchRecord | None,
    settings: GuildSettingsRecord,
    now: datetime,
    notice: PostPlan | None = None,
    polls: MovedCloses | None = None,
) -> datetime | None:
    """Re-plans the posts of the launch ``before`` → ``after`` (None: added / removed), with the
    change's ``notice`` and the new closes of the ``polls`` that moved with it in the same
    statements; returns when the earliest newly planned post is due. Costs nothing when neither
    state has posts and there is no notice and no poll."""
    launch = after or before
    if launch is None:
        return None
    posts = launch_posts(after, settings, now) if after is not None else []
    if not posts and not may_have_posts(before) and notice is None and polls is None:
        return None
    if notice is not None:
        posts.append(notice)
    subject = launch_subject(launch.id)
    moved = None if polls is None else (polls.subjects, polls.post)
    if not may_have_posts(before) and moved is None:  # nothing pending to cancel: insert only
        await planned_post_rows.insert(session, settings.guild_id, subject, posts, now)
    else:
        await planned_post_rows.plan(session, settings.guild_id, subject, posts, now, moved)
    due = [p.due_at for p in posts] + ([polls.post.due_at] if polls is not None else [])
    return min(due, default=None)


async def replan_launches(
    session: AsyncSession,
    settings: GuildSettingsRecord,
    now: datetime,
    launches: Sequence[tuple[int, DateWindow | None, LaunchStatus]],
    changed: Collection[int],
) -> None:
    """Plans the posts of many launches at once (those a catalog import added or changed): the
    pending posts of the ``changed`` ones are cancelled first, as ``replan_server`` does for a
    whole server; two statements, however many launches."""
    posts = [
        post
        for launch_id, window, status in launches
        for post in posts_for(launch_id, window, status, settings, now)
    ]
    await planned_post_rows.cancel_posts_of_launches(session, settings.guild_id, changed, now)
    await planned_post_rows.insert_all(session, settings.guild_id, posts, now)


async def replan_server(
    session: AsyncSession, settings: GuildSettingsRecord, now: datetime
) -> None:
    """Re-plans every launch of a server that can have posts (its reminder offsets or zone
    changed): three statements, however many launches."""
    launches = await planned_post_rows.plannable_launches(session, settings.guild_id, now)
    posts = [
        post
        for launch_id, window, status in launches
        for post in posts_for(launch_id, window, status, settings, now)
    ]
    await planned_post_rows.cancel_launch_posts(session, settings.guild_id, now)
    await planned_post_rows.insert_all(session, settings.guild_id, posts, now)
