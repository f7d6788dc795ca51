"""members' subscriptions to a launch or a brand, and what the bot knows of their DMs

``subscriptions`` says who gets a launch's reminders by DM: one row per member and launch, or
per member and brand (every launch of that brand). ``member_dms`` counts a member's failed DMs
in a row (their DMs are closed to the bot, most often) and holds the notice the member is due
at their next interaction.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=True),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(launch_id IS NULL) <> (brand_id IS NULL)", name=op.f("ck_subscriptions_one_subject")
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_subscriptions_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launches.id"],
            name=op.f("fk_subscriptions_launch_id_launches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "guild_id",
            "user_id",
            "brand_id",
            name=op.f("uq_subscriptions_guild_id_user_id_brand_id"),
        ),
        sa.UniqueConstraint(
            "guild_id",
            "user_id",
            "launch_id",
            name=op.f("uq_subscriptions_guild_id_user_id_launch_id"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_subscriptions_launch", "subscriptions", ["guild_id", "launch_id"])
    op.create_index("ix_subscriptions_brand", "subscriptions", ["guild_id", "brand_id"])
    op.create_table(
        "member_dms",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("notice", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_member_dms")),
    )


def downgrade() -> None:
    op.drop_table("member_dms")
    op.drop_index("ix_subscriptions_brand", table_name="subscriptions")
    op.drop_index("ix_subscriptions_launch", table_name="subscriptions")
    op.drop_table("subscriptions")
