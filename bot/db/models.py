"""The relational model. Every row that belongs to a server carries ``guild_id``."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.db.types import UTCDateTime
from bot.domain.poll_rules import QUESTION_MAX
from bot.domain.text import NAME_MAX, REGION_MAX, TEXT_MAX, URL_MAX, ZONE_MAX
from bot.domain.vocabulary import (
    ClaimSubject,
    FeaturePresence,
    LaunchKind,
    LaunchStatus,
    PollState,
    PostState,
    Precision,
    SourceKind,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class GuildSettings(Base):
    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    announce_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    ping_role_id: Mapped[int | None] = mapped_column(BigInteger)
    editor_role_id: Mapped[int | None] = mapped_column(BigInteger)
    timezone: Mapped[str] = mapped_column(String(ZONE_MAX))
    reminder_offsets: Mapped[list[int]] = mapped_column(JSON)
    digest_weekday: Mapped[int | None] = mapped_column(Integer)
    digest_time: Mapped[str] = mapped_column(String(5))
    ping_statuses: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["confirmed"])
    change_notices: Mapped[bool] = mapped_column(Boolean, default=True)
    scheduled_events: Mapped[bool] = mapped_column(Boolean, default=True)
    events_permission_warned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("digest_weekday IS NULL OR digest_weekday BETWEEN 0 AND 6", name="weekday"),
    )


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(NAME_MAX))

    __table_args__ = (UniqueConstraint("guild_id", "name_key"),)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(NAME_MAX))
    is_series: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("guild_id", "name_key"),)


class DeviceAlias(Base):
    __tablename__ = "device_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(NAME_MAX))
    alias_key: Mapped[str] = mapped_column(String(NAME_MAX))

    __table_args__ = (UniqueConstraint("guild_id", "alias_key"),)


class Launch(Base):
    __tablename__ = "launches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="RESTRICT"), index=True
    )
    region: Mapped[str] = mapped_column(String(REGION_MAX))
    region_key: Mapped[str] = mapped_column(String(REGION_MAX))
    kind: Mapped[LaunchKind] = mapped_column(_enum(LaunchKind, "launch_kind"))
    status: Mapped[LaunchStatus] = mapped_column(_enum(LaunchStatus, "launch_status"))
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    precision: Mapped[Precision | None] = mapped_column(_enum(Precision, "date_precision"))
    timezone: Mapped[str] = mapped_column(String(ZONE_MAX))
    confidence: Mapped[int | None] = mapped_column(Integer)
    livestream_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    partner: Mapped[str | None] = mapped_column(String(NAME_MAX))
    note: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    discord_event_id: Mapped[int | None] = mapped_column(BigInteger)
    has_polls: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    """Whether a poll about this launch was ever created (or seeded from a catalog): only then
    does its card read its polls, a change of its date or status look for polls to move, or a
    claim recorded about it for poll cards to refresh (statements are counted)."""

    __table_args__ = (
        UniqueConstraint("guild_id", "device_id", "region_key", "kind"),
        CheckConstraint("confidence IS NULL OR confidence BETWEEN 0 AND 100", name="confidence"),
        CheckConstraint(
            "(window_start IS NULL AND window_end IS NULL AND precision IS NULL)"
            " OR (window_start IS NOT NULL AND window_end IS NOT NULL AND precision IS NOT NULL"
            " AND window_start < window_end)",
            name="window",
        ),
        Index(
            "ix_launches_guild_calendar_status",
            "guild_id",
            "window_start",
            "window_end",
            "id",
            "status",
        ),
        {"sqlite_autoincrement": True},
    )


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id", ondelete="CASCADE"))
    subject: Mapped[ClaimSubject] = mapped_column(_enum(ClaimSubject, "claim_subject"))
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    precision: Mapped[Precision | None] = mapped_column(_enum(Precision, "claim_precision"))
    timezone: Mapped[str | None] = mapped_column(String(ZONE_MAX))
    feature: Mapped[str | None] = mapped_column(String(NAME_MAX))
    feature_key: Mapped[str | None] = mapped_column(String(NAME_MAX))
    present: Mapped[FeaturePresence | None] = mapped_column(_enum(FeaturePresence, "presence"))
    statement: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    source_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    source_kind: Mapped[SourceKind] = mapped_column(_enum(SourceKind, "source_kind"))
    author: Mapped[str | None] = mapped_column(String(NAME_MAX))
    seen_at: Mapped[datetime]
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("claims.id", ondelete="SET NULL"), index=True
    )
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    confidence: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_claims_launch_seen", "guild_id", "launch_id", "seen_at"),
        CheckConstraint(
            "(subject = 'date' AND window_start IS NOT NULL AND precision IS NOT NULL)"
            " OR (subject = 'feature' AND feature IS NOT NULL AND present IS NOT NULL)",
            name="subject",
        ),
        {"sqlite_autoincrement": True},
    )


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(NAME_MAX))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_log_guild_entity", "guild_id", "entity", "entity_id"),)


class Post(Base):
    """A scheduled post: planned first, claimed under a lease, then sent, failed, skipped or
    cancelled. ``key`` names the moment (``reminder:60@2027-03-27T08:00``), so planning the same
    launch twice plans nothing new, and a moved date plans new moments."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    launch_id: Mapped[int | None] = mapped_column(ForeignKey("launches.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    state: Mapped[PostState] = mapped_column(_enum(PostState, "post_state"))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("guild_id", "subject", "key", "target"),
        Index(
            "ix_posts_pending_due",
            "due_at",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        Index(
            "ix_posts_sending_lease",
            "lease_until",
            sqlite_where=text("state = 'sending'"),
            postgresql_where=text("state = 'sending'"),
        ),
        Index("ix_posts_guild_state_due", "guild_id", "state", "due_at"),
        # a launch card's next post: a seek on all three equalities, never a walk through the
        # server's pending posts by due_at; launch_id first also serves the foreign key
        Index("ix_posts_launch_guild_state_due", "launch_id", "guild_id", "state", "due_at"),
        {"sqlite_autoincrement": True},
    )


class Subscription(Base):
    """A member who gets a launch's reminders by DM: for one launch, or for every launch of a
    brand."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    launch_id: Mapped[int | None] = mapped_column(ForeignKey("launches.id", ondelete="CASCADE"))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("guild_id", "user_id", "launch_id"),
        UniqueConstraint("guild_id", "user_id", "brand_id"),
        CheckConstraint("(launch_id IS NULL) <> (brand_id IS NULL)", name="one_subject"),
        Index("ix_subscriptions_launch", "guild_id", "launch_id"),
        Index("ix_subscriptions_brand", "guild_id", "brand_id"),
        {"sqlite_autoincrement": True},
    )


class MemberDms(Base):
    """A member's DMs as the bot found them: failed DMs in a row, and the notice the member is due
    at their next interaction (``DmNotice``), if any."""

    __tablename__ = "member_dms"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    notice: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class Poll(Base):
    """A question members vote on, tied to a launch. ``answers`` is the list of labels (2 to 10,
    Discord's native poll limits, so a native poll can take the same ones); a vote's choices and
    the ``outcome`` are sets of answer indexes as bitmasks (bit i: answer i)."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    launch_id: Mapped[int | None] = mapped_column(ForeignKey("launches.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(String(QUESTION_MAX))
    answers: Mapped[list[str]] = mapped_column(JSON)
    multiple: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[bool] = mapped_column(Boolean)
    hidden: Mapped[bool] = mapped_column(Boolean)
    closes_at: Mapped[datetime]
    closes_with_launch: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[PollState] = mapped_column(_enum(PollState, "poll_state"))
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[int | None] = mapped_column(Integer)
    evidence_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    resolved_at: Mapped[datetime | None]
    native: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (
        Index("ix_polls_guild_launch", "guild_id", "launch_id"),
        Index("ix_polls_guild_state", "guild_id", "state", "id"),
        CheckConstraint("outcome IS NULL OR outcome > 0", name="outcome"),
        {"sqlite_autoincrement": True},
    )


class PollVote(Base):
    """A member's vote: ``choices`` is a bitmask of answer indexes (one bit unless the poll takes
    several answers; 0 once a member has taken back every answer), ``confidence`` how sure they
    are, in percent, on polls that ask."""

    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    choices: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[int | None] = mapped_column(Integer)
    cast_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("choices >= 0", name="choices"),
        CheckConstraint("confidence IS NULL OR confidence BETWEEN 0 AND 100", name="confidence"),
    )


class BotState(Base):
    """Process-wide facts that must survive restarts, such as the synced command-schema hash."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime]


class PollBoard(Base):
    """A server's poll leaderboard, kept between the changes that move it. ``generation`` counts
    those changes (a poll resolved or corrected, a resolved poll's votes stored or a poll
    removed, each bumping it in its own transaction); ``scores`` is the board as worked out at
    generation ``built``, and stands only while ``built = generation``: every member's record
    in board order, ``[user, predictions, hits, Brier sum's numerator, its denominator]``."""

    __tablename__ = "poll_boards"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger)
    built: Mapped[int | None] = mapped_column(BigInteger)
    scores: Mapped[list[list[int]] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime]
