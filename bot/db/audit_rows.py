"""Audit log rows: every change, who made it, when, and the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry
from bot.domain.records import Actor, AuditRecord
from bot.domain.text import NAME_MAX


def entry(
    *,
    guild_id: int,
    actor: Actor,
    at: datetime,
    entity: str,
    entity_id: int | None,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    """An audit row as values, for ``insert_all``."""
    return {
        "guild_id": guild_id,
        "at": at,
        "actor_id": actor.id,
        "actor_name": actor.name[:NAME_MAX],
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "before": before,
        "after": after,
    }


async def insert_all(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """Writes audit rows in one statement (the ORM inserts them one by one on SQLite, to read
    back ids nobody needs)."""
    if entries:
        await session.execute(insert(AuditEntry), entries)


def record(session: AsyncSession, **fields: Any) -> None:
    """Adds one audit row to the session (fields as for ``entry``)."""
    session.add(AuditEntry(**entry(**fields)))


async def audit_for(
    session: AsyncSession, guild_id: int, entity: str, entity_id: int, limit: int = 200
) -> tuple[AuditRecord, ...]:
    """The newest ``limit`` entries about one thing, oldest first."""
    rows = await session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.guild_id == guild_id,
            AuditEntry.entity == entity,
            AuditEntry.entity_id == entity_id,
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return tuple(
        reversed(
            [
                AuditRecord(
                    id=r.id,
                    at=r.at,
                    actor_id=r.actor_id,
                    actor_name=r.actor_name,
                    entity=r.entity,
                    entity_id=r.entity_id,
                    action=r.action,
                    before=r.before,
                    after=r.after,
                )
                for r in rows
            ]
        )
    )
