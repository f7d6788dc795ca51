"""The catalog's resolved questions, added to a server when the catalog is imported into it: once
(a question its launch already has is left alone, so importing again adds nothing), in one
transaction after the launches' own, audited, with no votes, no message and no close to plan."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import audit_rows as audit
from bot.db import poll_rows, poll_seed_rows
from bot.db.engine import begin_write
from bot.domain.catalog import CatalogEntry
from bot.domain.catalog_polls import SeedPoll
from bot.domain.clock import Clock
from bot.domain.records import Actor
from bot.domain.text import REGION_MAX, clean_name, name_key
from bot.domain.vocabulary import PollState


async def seed_polls(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    guild_id: int,
    actor: Actor,
    entries: list[CatalogEntry],
) -> int:
    """Adds the entries' questions the server does not have yet; how many it added."""
    wanted = [(entry, seed) for entry in entries for seed in entry.polls]
    if not wanted:
        return 0
    async with sessions() as session, session.begin():
        await begin_write(session)
        launches: list[int | None] = []
        for entry, _ in wanted:
            new = entry.launch
            region_key = name_key(clean_name(new.region, "region", REGION_MAX))
            launches.append(
                await poll_seed_rows.launch_id(
                    session, guild_id, name_key(new.device), region_key, new.kind
                )
            )
        asked = await poll_seed_rows.questions(session, guild_id, [i for i in launches if i])
        now = clock()
        added: list[int] = []
        for (_, seed), launch_id in zip(wanted, launches, strict=True):
            if launch_id is None or (launch_id, name_key(seed.question)) in asked:
                continue
            values = _row(guild_id, launch_id, seed, actor, now)
            poll_id = await poll_rows.insert_poll(session, values)
            audit.record(
                session, guild_id=guild_id, actor=actor, at=now, entity="poll",
                entity_id=poll_id, action="seed", before=None, after=_snapshot(values),
            )  # fmt: skip
            asked.add((launch_id, name_key(seed.question)))
            added.append(launch_id)
        await poll_seed_rows.mark_has_polls(session, guild_id, added)
    return len(added)


def _row(
    guild_id: int, launch_id: int, seed: SeedPoll, actor: Actor, now: datetime
) -> dict[str, object]:
    """Closed and resolved when the answer came out; nobody voted."""
    return {
        "guild_id": guild_id, "launch_id": launch_id, "question": seed.question,
        "answers": list(seed.answers), "multiple": seed.multiple, "confidence": False,
        "hidden": False, "closes_at": seed.resolved_at, "closes_with_launch": False,
        "state": PollState.RESOLVED, "created_by": actor.id, "created_at": now,
        "closed_at": seed.resolved_at, "outcome": seed.outcome,
        "evidence_url": seed.evidence_url, "resolved_by": None,
        "resolved_at": seed.resolved_at, "native": False,
    }  # fmt: skip


def _snapshot(values: dict[str, object]) -> dict[str, object]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in values.items()
        if key not in ("guild_id", "created_at", "created_by")
    }
