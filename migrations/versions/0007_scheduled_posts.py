"""scheduled posts, and which statuses ping the server's role

``posts`` holds every planned post (the database is the truth; the scheduler only decides when
to look). Two partial indexes keep the dispatcher's questions cheap at any size: the earliest
pending post, and leases that have run out.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("pending", "sending", "sent", "failed", "skipped", "cancelled")


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                *STATES, name="post_state", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launches.id"],
            name=op.f("fk_posts_launch_id_launches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint(
            "guild_id",
            "subject",
            "key",
            "target",
            name=op.f("uq_posts_guild_id_subject_key_target"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_posts_launch_id"), "posts", ["launch_id"])
    pending = sa.text("state = 'pending'")
    sending = sa.text("state = 'sending'")
    op.create_index(
        "ix_posts_pending_due", "posts", ["due_at"], sqlite_where=pending, postgresql_where=pending
    )
    op.create_index(
        "ix_posts_sending_lease",
        "posts",
        ["lease_until"],
        sqlite_where=sending,
        postgresql_where=sending,
    )
    op.create_index("ix_posts_guild_state_due", "posts", ["guild_id", "state", "due_at"])
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(
            sa.Column("ping_statuses", sa.JSON(), nullable=False, server_default='["confirmed"]')
        )


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("ping_statuses")
    op.drop_index("ix_posts_guild_state_due", table_name="posts")
    op.drop_index("ix_posts_sending_lease", table_name="posts")
    op.drop_index("ix_posts_pending_due", table_name="posts")
    op.drop_index(op.f("ix_posts_launch_id"), table_name="posts")
    op.drop_table("posts")
