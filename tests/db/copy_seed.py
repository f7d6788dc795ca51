"""A database with rows in every table of the models, holding the values a copy between backends
could get wrong: times with microseconds, JSON ``null`` beside SQL NULL, JSON with unicode and
nested objects, booleans both ways, a claim superseded by a later claim, text that sorts
differently under PostgreSQL's collation than under SQLite's bytes, and a removed launch at the
top of the ids (its id must never be handed out again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, inspect, null, select, update

from bot.db.engine import WRITE, create_engine
from bot.db.models import (
    AuditEntry,
    Base,
    BotState,
    Brand,
    Claim,
    Device,
    DeviceAlias,
    GuildSettings,
    Launch,
    MemberDms,
    Poll,
    PollBoard,
    PollVote,
    Post,
    Subscription,
)

T = datetime(2027, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
GUILD = 1234567890123456789
REMOVED_LAUNCH = 4


def _launch(n: int, device: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": n, "guild_id": GUILD, "device_id": device, "region": "Global",
        "region_key": f"global{n}", "kind": "announcement", "status": "rumored",
        "window_start": T + timedelta(days=n), "window_end": T + timedelta(days=n, hours=1),
        "precision": "exact", "timezone": "Asia/Shanghai", "created_at": T, "updated_at": T,
        **extra,
    }  # fmt: skip


ROWS: list[tuple[type[Base], list[dict[str, Any]]]] = [
    (GuildSettings, [
        {"guild_id": GUILD, "announce_channel_id": 9007199254740993, "timezone": "Europe/Berlin",
         "reminder_offsets": [10080, 60], "digest_weekday": None, "digest_time": "09:00",
         "ping_statuses": ["confirmed", "teased"], "change_notices": True,
         "scheduled_events": False, "events_permission_warned": True, "created_at": T,
         "updated_at": T + timedelta(microseconds=1)},
        {"guild_id": 7, "timezone": "UTC", "reminder_offsets": [], "digest_weekday": 0,
         "digest_time": "23:59", "ping_statuses": [], "change_notices": False,
         "scheduled_events": True, "created_at": T, "updated_at": T},
    ]),
    (Brand, [{"id": 1, "guild_id": GUILD, "name": "Xiaomi", "name_key": "xiaomi"},
             {"id": 2, "guild_id": GUILD, "name": "Ünïcode 小米", "name_key": "unicode 小米"}]),
    (Device, [{"id": 1, "guild_id": GUILD, "brand_id": 1, "name": "Xiaomi 12",
               "name_key": "xiaomi 12", "is_series": False},
              {"id": 2, "guild_id": GUILD, "brand_id": 2, "name": "Series 🚀",
               "name_key": "series 🚀", "is_series": True}]),
    (DeviceAlias, [{"id": 1, "guild_id": GUILD, "device_id": 1, "alias": "Mi 12",
                    "alias_key": "mi 12"}]),
    (Launch, [
        _launch(1, 1, note="line one\nline two ' \" \\ %", has_polls=True, confidence=70),
        _launch(2, 2, window_start=None, window_end=None, precision=None, has_polls=False),
        _launch(3, 1, kind="sale", status="confirmed", livestream_url="https://x.example/?a=1"),
        _launch(REMOVED_LAUNCH, 2, kind="sale"),
    ]),
    (Claim, [
        {"id": 1, "guild_id": GUILD, "launch_id": 1, "subject": "date", "window_start": T,
         "window_end": T + timedelta(days=1), "precision": "day", "source_kind": "leaker",
         "seen_at": T, "created_at": T},
        {"id": 2, "guild_id": GUILD, "launch_id": 1, "subject": "feature", "feature": "Leica",
         "feature_key": "leica", "present": "yes", "source_kind": "media", "seen_at": T,
         "created_at": T, "confidence": 0},
        {"id": 3, "guild_id": GUILD, "launch_id": 1, "subject": "date", "window_start": T,
         "window_end": T + timedelta(hours=1), "precision": "exact", "source_kind": "official",
         "seen_at": T + timedelta(seconds=1), "created_at": T},
    ]),
    (AuditEntry, [
        {"id": 1, "guild_id": GUILD, "at": T, "actor_name": "cli", "entity": "launch",
         "entity_id": 1, "action": "add", "before": None, "after": None},
        {"id": 2, "guild_id": GUILD, "at": T, "actor_name": "Zoë", "entity": "launch",
         "entity_id": 1, "action": "edit", "before": {"b": [1, 2.5, None], "a": "é"},
         "after": {"nested": {"z": True, "y": False}, "emoji": "🚀"}},
    ]),
    (Post, [
        {"id": 1, "guild_id": GUILD, "launch_id": 1, "subject": "launch:1", "key": "k1",
         "target": "channel", "kind": "launch", "due_at": T, "expires_at": T + timedelta(hours=1),
         "state": "pending", "attempts": 0, "late": False, "payload": None, "created_at": T,
         "updated_at": T},
        {"id": 2, "guild_id": GUILD, "launch_id": None, "subject": "server", "key": "k2",
         "target": "user:42", "kind": "notice", "due_at": T, "expires_at": T, "state": "sent",
         "attempts": 3, "late": True, "payload": {"text": "said"}, "message_id": 2**62,
         "sent_at": T, "created_at": T, "updated_at": T},
    ]),
    (Subscription, [{"id": 1, "guild_id": GUILD, "user_id": 42, "launch_id": 1, "created_at": T},
                    {"id": 2, "guild_id": GUILD, "user_id": 42, "brand_id": 2, "created_at": T}]),
    (MemberDms, [{"guild_id": GUILD, "user_id": 42, "failures": 2, "notice": "closed",
                  "reason": "403", "updated_at": T}]),
    (Poll, [{"id": 1, "guild_id": GUILD, "launch_id": 1, "question": "Will it?",
             "answers": ["Yes", "No", "Ünsure"], "multiple": False, "confidence": True,
             "hidden": False, "closes_at": T, "closes_with_launch": True, "state": "open",
             "created_at": T, "native": False}]),
    (PollVote, [{"poll_id": 1, "user_id": 42, "guild_id": GUILD, "choices": 1, "confidence": 80,
                 "cast_at": T, "updated_at": T},
                {"poll_id": 1, "user_id": 43, "guild_id": GUILD, "choices": 0,
                 "confidence": None, "cast_at": T, "updated_at": T}]),
    (PollBoard, [{"guild_id": GUILD, "generation": 3, "built": 3, "updated_at": T,
                  "scores": [[42, 3, 2, 2**70 + 1, 2**64], [43, 1, 0, 2, 1]]},
                 {"guild_id": GUILD + 1, "generation": 1, "built": None, "scores": None,
                  "updated_at": T}]),
    (BotState, [{"key": key, "value": key * 3, "updated_at": T}
                for key in ("a", "B", "_z", "Ä", "command_hash")]),
]  # fmt: skip


async def seed_every_table(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.execution_options(**{WRITE: True}).begin() as conn:
            for model, rows in ROWS:
                for row in rows:  # one by one: each row names its own columns
                    await conn.execute(insert(model).values(**row))
            await conn.execute(delete(Launch).where(Launch.id == REMOVED_LAUNCH))
            await conn.execute(update(Claim).where(Claim.id == 1).values(superseded_by_id=3))
            # None above is JSON null; these are SQL NULL
            await conn.execute(update(AuditEntry).where(AuditEntry.id == 1).values(before=null()))
            await conn.execute(update(Post).where(Post.id == 1).values(payload=null()))
            if conn.dialect.name == "postgresql":
                for name in ("launches", "claims", "posts", "subscriptions", "polls", "brands",
                             "devices", "device_aliases", "audit_log"):  # fmt: skip
                    await conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"
                    )
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('launches', 'id'), {REMOVED_LAUNCH})"
                )
    finally:
        await engine.dispose()


async def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as the models read them (aware times, parsed JSON, enums), by key."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = {}
            for table in Base.metadata.sorted_tables:
                rows = await conn.execute(select(table).order_by(*table.primary_key.columns))
                found[table.name] = sorted((tuple(r) for r in rows), key=repr)
            return found
    finally:
        await engine.dispose()


def schema_tables(conn: Connection) -> set[str]:
    names = set(inspect(conn).get_table_names())
    return {n for n in names if n != "alembic_version" and not n.startswith("sqlite_")}
