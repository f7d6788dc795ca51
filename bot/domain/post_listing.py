"""A server's scheduled posts listed one by one (`launchbot posts list`), with what each is
about and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.vocabulary import PostState


@dataclass(frozen=True, slots=True)
class ListedPost:
    id: int
    kind: str
    subject: str
    key: str
    target: str
    launch_id: int | None
    launch: str | None
    """The launch's title, while the launch exists."""
    state: PostState
    due_at: datetime
    expires_at: datetime
    attempts: int
    late: bool
    reason: str | None
    sent_at: datetime | None
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class PostList:
    """Up to ``limit`` of a server's posts in ``state`` (every state when None): those still to
    go first, soonest first, then the rest, latest first. ``counts`` covers every post."""

    guild_id: int
    state: PostState | None
    limit: int
    posts: tuple[ListedPost, ...]
    counts: dict[PostState, int]

    @property
    def total(self) -> int:
        if self.state is None:
            return sum(self.counts.values())
        return self.counts.get(self.state, 0)

    @property
    def more(self) -> bool:
        return self.total > len(self.posts)
