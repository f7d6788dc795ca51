"""a launch's pending posts by one seek; launches with seeded polls marked as having polls

A launch card shows when the launch's next post is due (the earliest pending post of the launch).
With only ``ix_posts_launch_id`` (launch_id) and ``ix_posts_guild_state_due`` (guild_id, state,
due_at), both SQLite and PostgreSQL answered it by walking the server's pending posts in due
order until one of the launch turned up: about 12 ms with 15,000 pending posts, on every
``/launch info``. ``(launch_id, guild_id, state, due_at)`` answers it with one seek, and replaces
``ix_posts_launch_id`` for the foreign key.

A card reads the launch's polls only when ``launches.has_polls`` says it has had one; the
catalog's seeded questions did not set it until now, so launches that have polls are marked.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_posts_launch_guild_state_due", "posts", ["launch_id", "guild_id", "state", "due_at"]
    )
    op.drop_index("ix_posts_launch_id", table_name="posts")
    op.execute(
        "UPDATE launches SET has_polls = true WHERE has_polls = false AND id IN "
        "(SELECT launch_id FROM polls WHERE launch_id IS NOT NULL)"
    )


def downgrade() -> None:
    op.create_index("ix_posts_launch_id", "posts", ["launch_id"])
    op.drop_index("ix_posts_launch_guild_state_due", table_name="posts")
