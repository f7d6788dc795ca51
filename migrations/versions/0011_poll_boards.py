"""each server's poll leaderboard, kept between resolutions

``/poll leaderboard`` and ``/poll stats`` worked the board out from every vote on the server's
resolved polls on each call (about 0.5 s at 50,000 votes). Resolved polls take no more votes, so
only a resolution, a correction, a resolved native poll's votes read back or a poll's removal
changes it: each bumps ``poll_boards.generation`` in its own transaction, and the board worked
out at a generation is kept in ``scores`` until the next. A server without a row is at
generation 0, so nothing needs filling in.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "poll_boards",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("built", sa.BigInteger(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_poll_boards")),
    )


def downgrade() -> None:
    op.drop_table("poll_boards")
