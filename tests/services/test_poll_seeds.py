"""The catalog's resolved questions in a server, on each backend: added once however many times
(and however many at once) the catalog is imported, audited, per server, and never a second
copy of a question its launch already has."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import AuditEntry, Poll
from bot.domain.catalog import bundled_catalog_path, load_catalog
from bot.domain.records import Actor
from bot.services.calendar import CalendarService
from bot.services.catalog_import import import_catalog
from bot.services.poll_seeds import seed_polls
from tests.support.clock import FakeClock

GUILD, OTHER = 1, 2
IMPORTER = Actor(5, "editor")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 1, 12, tzinfo=UTC))  # after every claim was seen


async def _polls(engine: AsyncEngine, guild: int) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(Poll.launch_id, Poll.question, Poll.state, Poll.outcome)
            .where(Poll.guild_id == guild)
            .order_by(Poll.id)
        )
        return [tuple(r) for r in rows]


async def test_importing_twice_and_twice_at_once_adds_each_question_once_per_server(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    entries = load_catalog(bundled_catalog_path())
    first = await import_catalog(calendar, GUILD, IMPORTER, entries)
    assert first.polls_added == 3 and first.summary().endswith(", 3 resolved questions added")
    again = await import_catalog(calendar, GUILD, IMPORTER, entries)
    assert again.polls_added == 0 and "question" not in again.summary()
    seeded = await _polls(engine, GUILD)
    assert [(state, outcome) for _, _, state, outcome in seeded] == [("resolved", 0b10)] * 1 + [
        ("resolved", 0b01), ("resolved", 0b10),
    ]  # fmt: skip

    # Two imports of the same new launches at once: one is refused (the importer's rule), so
    # the launches come first, without their questions; then two imports' questions at once.
    await import_catalog(calendar, OTHER, IMPORTER, [replace(e, polls=()) for e in entries])
    both = await asyncio.gather(
        *(seed_polls(calendar.sessions, calendar.clock, OTHER, IMPORTER, entries) for _ in "ab")
    )
    assert sorted(both) == [0, 3]
    assert [q for _, q, _, _ in await _polls(engine, OTHER)] == [q for _, q, _, _ in seeded]
    async with engine.connect() as conn:
        seeds = (
            await conn.execute(
                select(AuditEntry.guild_id, AuditEntry.actor_id).where(
                    AuditEntry.entity == "poll", AuditEntry.action == "seed"
                )
            )
        ).all()
    assert sorted(seeds) == [(GUILD, 5)] * 3 + [(OTHER, 5)] * 3
