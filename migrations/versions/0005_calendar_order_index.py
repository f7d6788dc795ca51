"""index launches in calendar order, for keyset paging

/launch upcoming lists launches by (window_start, window_end, id) within a server. An index in
exactly that order lets both databases read a page from the index instead of sorting the
server's launches on every request.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_launches_guild_calendar",
        "launches",
        ["guild_id", "window_start", "window_end", "id"],
        unique=False,
    )
    op.drop_index("ix_launches_guild_window", table_name="launches")


def downgrade() -> None:
    op.create_index(
        "ix_launches_guild_window", "launches", ["guild_id", "window_start", "id"], unique=False
    )
    op.drop_index("ix_launches_guild_calendar", table_name="launches")
