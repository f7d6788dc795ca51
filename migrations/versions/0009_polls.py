"""polls tied to launches, and members' votes

``polls`` holds each question with its answers (a JSON list of 2 to 10 labels), its options,
when it closes (with its launch, or at a given time) and, later, its outcome (a bitmask of
answer indexes) with the evidence. ``poll_votes`` holds one row per member and poll: the
answers chosen (a bitmask) and how sure the member is, on polls that ask. ``launches.has_polls``
says whether a change of the launch's date has polls to move.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("open", "closed", "resolved")


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_with_launch", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                *STATES, name="poll_state", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Integer(), nullable=True),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("resolved_by", sa.BigInteger(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("native", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("outcome IS NULL OR outcome > 0", name=op.f("ck_polls_outcome")),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launches.id"],
            name=op.f("fk_polls_launch_id_launches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_polls_guild_launch", "polls", ["guild_id", "launch_id"])
    op.create_index("ix_polls_guild_state", "polls", ["guild_id", "state", "id"])
    op.create_table(
        "poll_votes",
        sa.Column("poll_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("choices", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("choices >= 0", name=op.f("ck_poll_votes_choices")),
        sa.CheckConstraint(
            "confidence IS NULL OR confidence BETWEEN 0 AND 100",
            name=op.f("ck_poll_votes_confidence"),
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_votes_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("poll_id", "user_id", name=op.f("pk_poll_votes")),
    )
    # SQLite adds a column in place; a batch would rebuild the table without its AUTOINCREMENT
    op.add_column(
        "launches",
        sa.Column("has_polls", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("launches", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("has_polls")
    op.drop_table("poll_votes")
    op.drop_index("ix_polls_guild_state", table_name="polls")
    op.drop_index("ix_polls_guild_launch", table_name="polls")
    op.drop_table("polls")
