"""A poll's close as a scheduled post, planned in the transaction that creates the poll, and
moved in the launch's own write transaction when a poll closes with its launch and the launch
moves (or ends, or is removed): in the statements that re-plan the launch's own posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import planned_post_rows, poll_rows
from bot.db.poll_close_rows import following_polls
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
    await planned_post_rows.move_subjects(session, guild_id, subjects, close_post(when), now)
    return tuple(moved)


@dataclass(frozen=True, slots=True)
class MovedCloses:
    """Polls whose close moved with their launch, and the close post each now has."""

    polls: tuple[int, ...]
    post: PostPlan

    @property
    def subjects(self) -> list[str]:
        return [poll_subject(poll_id) for poll_id in self.polls]


async def move_closes(
    session: AsyncSession, guild_id: int, launch_id: int, after: LaunchRecord | None, now: datetime
) -> MovedCloses | None:
    """For a launch whose date or status changed (``after`` None: removed), moves the close of
    its open polls that close with it (one statement); their posts are re-planned with the
    launch's own (``post_planning.replan_launch``), in the same two statements."""
    window, status = (after.window, after.status) if after is not None else (None, None)
    when = followed_close(window, status, now)
    if when is None:
        return None
    moved = await poll_rows.move_launch_closes(session, guild_id, launch_id, when)
    return MovedCloses(tuple(moved), close_post(when)) if moved else None


async def follow_server_launches(
    session: AsyncSession, guild_id: int, now: datetime
) -> tuple[int, ...]:
    """After a bulk change of a server's launches (a catalog import), moves the close of each
    open poll that closes with its launch to where its launch now says: one statement, and
    three more per launch whose polls move; the polls moved."""
    due: dict[int, datetime] = {}
    for poll in await following_polls(session, guild_id):
        when = followed_close(poll.window, poll.status, now)
        earlier_if_native = not poll.native or (when is not None and when < poll.closes_at)
        if when is not None and when != poll.closes_at and earlier_if_native:
            due[poll.launch_id] = when
    moved: list[int] = []
    for launch_id, when in due.items():
        moved += await follow_launch(session, guild_id, launch_id, when, now)
    return tuple(moved)
