"""The audit log: every change, who made it, when, and the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry
from bot.domain.dates import render_date
from bot.domain.views import Actor, AuditView, LaunchView


def launch_snapshot(view: LaunchView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "device": view.device,
        "brand": view.brand,
        "region": view.region,
        "kind": view.kind.value,
        "status": view.status.value,
        "date": render_date(view.window) if view.window else None,
        "window_start": view.window.start.isoformat() if view.window else None,
        "window_end": view.window.end.isoformat() if view.window else None,
        "precision": view.window.precision.value if view.window else None,
        "timezone": view.timezone,
        "confidence": view.confidence,
        "livestream_url": view.livestream_url,
        "partner": view.partner,
        "note": view.note,
    }


def record(
    session: AsyncSession,
    *,
    guild_id: int,
    actor: Actor,
    at: datetime,
    entity: str,
    entity_id: int | None,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    session.add(
        AuditEntry(
            guild_id=guild_id,
            at=at,
            actor_id=actor.id,
            actor_name=actor.name[:100],
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
        )
    )


async def audit_for(
    session: AsyncSession, guild_id: int, entity: str, entity_id: int, limit: int = 200
) -> tuple[AuditView, ...]:
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
                AuditView(
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
