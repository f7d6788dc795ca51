"""What `posts list` prints: a table of a server's scheduled posts with the count by state, or
JSON for scripts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.cli.table import render_table
from bot.domain.post_listing import ListedPost, PostList
from bot.domain.vocabulary import PostState
from bot.services.post_planning import CHANNEL

HEADERS = ("#", "Kind", "About", "To", "Due (UTC)", "State", "Tries", "Why")
COUNTED = (
    PostState.PENDING, PostState.SENT, PostState.FAILED, PostState.SKIPPED, PostState.CANCELLED,
)  # fmt: skip


def as_text(found: PostList) -> str:
    counts = " · ".join(f"{found.counts.get(s, 0):,} {s.value}" for s in _counted(found))
    if not found.posts:
        what = f"{found.state.value} posts" if found.state else "scheduled posts"
        return f"no {what} in server {found.guild_id} ({counts})"
    table = render_table([_row(post) for post in found.posts], HEADERS, last_in_full=True)
    footer = f"server {found.guild_id}: {counts}"
    if found.more:
        what = f"{found.state.value} posts" if found.state else "posts"
        footer += f"\nshowing {len(found.posts):,} of {found.total:,} {what}; --limit shows more"
    return f"{table}\n{footer}"


def _counted(found: PostList) -> tuple[PostState, ...]:
    """Posts being sent right now are counted only when there are some."""
    return COUNTED + ((PostState.SENDING,) if found.counts.get(PostState.SENDING) else ())


def _row(post: ListedPost) -> tuple[str, ...]:
    return (
        str(post.id),
        post.kind,
        f"#{post.launch_id} {post.launch}" if post.launch else post.subject,
        "announce channel" if post.target == CHANNEL else post.target,
        f"{post.due_at:%Y-%m-%d %H:%M}",
        post.state.value + (" late" if post.late else ""),
        str(post.attempts),
        post.reason or "",
    )


def as_json(found: PostList) -> str:
    data = {
        "guild": str(found.guild_id),
        "state": found.state.value if found.state else None,
        "limit": found.limit,
        "total": found.total,
        "more": found.more,
        "counts": {state.value: found.counts.get(state, 0) for state in PostState},
        "posts": [_post_json(post) for post in found.posts],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def _post_json(post: ListedPost) -> dict[str, Any]:
    return {
        "id": post.id,
        "kind": post.kind,
        "subject": post.subject,
        "key": post.key,
        "launch_id": post.launch_id,
        "launch": post.launch,
        "target": post.target,
        "state": post.state.value,
        "due_at": _utc(post.due_at),
        "expires_at": _utc(post.expires_at),
        "attempts": post.attempts,
        "late": post.late,
        "reason": post.reason,
        "sent_at": _utc(post.sent_at) if post.sent_at else None,
        "channel_id": _snowflake(post.channel_id),
        "message_id": _snowflake(post.message_id),
    }


def _snowflake(value: int | None) -> str | None:
    """As Discord writes them: a string, which scripts in any language read exactly."""
    return None if value is None else str(value)


def _utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
