"""scheduled-event mirror and claim confidence

Adds the Discord event id per launch, the one-time permission warning per server, and a
confidence per claim.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("confidence", sa.Integer(), nullable=True))
    with op.batch_alter_table("launches") as batch:
        batch.add_column(sa.Column("discord_event_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(
            sa.Column(
                "events_permission_warned", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("events_permission_warned")
    with op.batch_alter_table("launches") as batch:
        batch.drop_column("discord_event_id")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("confidence")
