"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_log_guild_entity", ["guild_id", "entity", "entity_id"], unique=False
        )

    op.create_table(
        "brands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brands")),
        sa.UniqueConstraint("guild_id", "name_key", name=op.f("uq_brands_guild_id_name_key")),
    )
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("announce_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("ping_role_id", sa.BigInteger(), nullable=True),
        sa.Column("editor_role_id", sa.BigInteger(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("reminder_offsets", sa.JSON(), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=True),
        sa.Column("digest_time", sa.String(length=5), nullable=False),
        sa.Column("change_notices", sa.Boolean(), nullable=False),
        sa.Column("scheduled_events", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "digest_weekday IS NULL OR digest_weekday BETWEEN 0 AND 6",
            name=op.f("ck_guild_settings_weekday"),
        ),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("is_series", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_devices_brand_id_brands"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("guild_id", "name_key", name=op.f("uq_devices_guild_id_name_key")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_brand_id"), ["brand_id"], unique=False)

    op.create_table(
        "device_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=100), nullable=False),
        sa.Column("alias_key", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_device_aliases_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_aliases")),
        sa.UniqueConstraint(
            "guild_id", "alias_key", name=op.f("uq_device_aliases_guild_id_alias_key")
        ),
    )
    with op.batch_alter_table("device_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_device_aliases_device_id"), ["device_id"], unique=False
        )

    op.create_table(
        "launches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("region_key", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "announcement",
                "release",
                "sale",
                name="launch_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "rumored",
                "teased",
                "confirmed",
                "launched",
                "postponed",
                "cancelled",
                name="launch_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "precision",
            sa.Enum(
                "exact",
                "day",
                "part_of_month",
                "month",
                "quarter",
                "half",
                "year",
                name="date_precision",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=True),
        sa.Column("livestream_url", sa.String(length=500), nullable=True),
        sa.Column("partner", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "(window_start IS NULL AND window_end IS NULL AND precision IS NULL) OR (window_start IS NOT NULL AND window_end IS NOT NULL AND precision IS NOT NULL AND window_start < window_end)",
            name=op.f("ck_launches_window"),
        ),
        sa.CheckConstraint(
            "confidence IS NULL OR confidence BETWEEN 0 AND 100",
            name=op.f("ck_launches_confidence"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_launches_device_id_devices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launches")),
        sa.UniqueConstraint(
            "guild_id",
            "device_id",
            "region_key",
            "kind",
            name=op.f("uq_launches_guild_id_device_id_region_key_kind"),
        ),
    )
    with op.batch_alter_table("launches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_launches_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            "ix_launches_guild_window", ["guild_id", "window_start", "id"], unique=False
        )

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=False),
        sa.Column(
            "subject",
            sa.Enum(
                "date",
                "feature",
                name="claim_subject",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "precision",
            sa.Enum(
                "exact",
                "day",
                "part_of_month",
                "month",
                "quarter",
                "half",
                "year",
                name="claim_precision",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("feature", sa.String(length=100), nullable=True),
        sa.Column("feature_key", sa.String(length=100), nullable=True),
        sa.Column(
            "present",
            sa.Enum(
                "yes",
                "no",
                "unclear",
                name="presence",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("statement", sa.String(length=500), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column(
            "source_kind",
            sa.Enum(
                "official",
                "leaker",
                "media",
                name="source_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(subject = 'date' AND window_start IS NOT NULL AND precision IS NOT NULL) OR (subject = 'feature' AND feature IS NOT NULL AND present IS NOT NULL)",
            name=op.f("ck_claims_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launches.id"],
            name=op.f("fk_claims_launch_id_launches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["claims.id"],
            name=op.f("fk_claims_superseded_by_id_claims"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(
            "ix_claims_launch_seen", ["guild_id", "launch_id", "seen_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_launch_seen")

    op.drop_table("claims")
    with op.batch_alter_table("launches", schema=None) as batch_op:
        batch_op.drop_index("ix_launches_guild_window")
        batch_op.drop_index(batch_op.f("ix_launches_device_id"))

    op.drop_table("launches")
    with op.batch_alter_table("device_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_aliases_device_id"))

    op.drop_table("device_aliases")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_brand_id"))

    op.drop_table("devices")
    op.drop_table("guild_settings")
    op.drop_table("brands")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_guild_entity")

    op.drop_table("audit_log")
