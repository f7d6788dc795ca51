"""index the claim a claim is superseded by

``claims.superseded_by_id`` refers to another claim (ON DELETE SET NULL). Without an index,
deleting a claim (removing a launch deletes all of its claims) makes the database scan every
claim of every server for rows that point at it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_claims_superseded_by_id", "claims", ["superseded_by_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_claims_superseded_by_id", table_name="claims")
