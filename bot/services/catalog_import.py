"""Import a catalog into one server: idempotent, all or nothing, and in bulk.

The file is prepared in pure code first (names, keys, dates, claims), so a bad entry is reported
before the database is touched. Then, in one transaction: a handful of queries read the brands,
devices, aliases, launches and claims the file is about; the import is worked out in memory
(``catalog_plan``); ids are reserved; and the rows are written with multi-row INSERTs and
executemany UPDATEs (``bot.db.catalog_rows``).

On SQLite everything up to the writing happens before the write lock is taken, so the lock is
held only while rows are written and a bot write waits that long at most. Should another write
commit in between, the import reads again under the lock, and works the plan out again only if
what it rests on changed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.db import catalog_rows as rows
from bot.db.engine import begin_read
from bot.db.settings_rows import load_guild_settings
from bot.domain.catalog import CatalogEntry
from bot.domain.catalog_prepare import Dates, PreparedEntry, prepare
from bot.domain.errors import InvalidInput
from bot.domain.guild_settings import GuildDefaults, GuildSettingsRecord
from bot.domain.permissions import require_editor
from bot.domain.records import Actor
from bot.services.calendar import CONFLICT, CalendarService
from bot.services.catalog_batches import Batch, RowBuilder
from bot.services.catalog_plan import Planner
from bot.services.catalog_state import PlannedClaim

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    claims_added: int

    def summary(self) -> str:
        return (
            f"{self.created} launches added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.claims_added} claims added"
        )


async def import_catalog(
    service: CalendarService,
    guild_id: int,
    actor: Actor,
    entries: list[CatalogEntry],
    progress: Progress | None = None,
) -> ImportResult:
    sessions, clock, defaults = service.sessions, service.clock, service.defaults
    job = _Import(guild_id, actor, clock(), defaults, entries, progress)
    with _no_cycle_collection():
        async with sessions() as session:
            try:
                result = await job.run(session)
                await session.commit()
            except IntegrityError:
                raise InvalidInput(CONFLICT) from None
    return result


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """An import makes a great many small objects that all live until it ends; the cycle
    collector would walk them again and again for nothing. Reference counting still frees
    everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Import:
    def __init__(
        self,
        guild_id: int,
        actor: Actor,
        now: datetime,
        defaults: GuildDefaults,
        entries: list[CatalogEntry],
        progress: Progress | None,
    ) -> None:
        self.guild_id = guild_id
        self.actor = actor
        self.now = now
        self.defaults = defaults
        self.entries = entries
        self.progress = progress
        self.dates = Dates()

    async def run(self, session: AsyncSession) -> ImportResult:
        await begin_read(session)  # SQLite: no transaction yet, so reading takes no lock
        conn = await session.connection()
        await rows.plan_once(conn)
        settings = await self._settings(session)
        prepared = prepare(self.entries, self.dates)
        version = await rows.data_version(conn)
        planner = Planner(prepared, self.now, self.dates)
        seen = await self._read(conn, planner, prepared)
        planner.plan_launches(settings.timezone)
        batches, deferred = await self._rows(conn, planner)
        writes = any(batches) or planner.repointed
        if writes and not await rows.write_lock(conn, version):
            # Another connection committed since the reads (SQLite): read again, under the lock
            # now. The plan stands if nothing it rests on changed; the ids are reserved anew.
            session.expire_all()
            again = Planner(prepared, self.now, self.dates)
            latest = await self._settings(session)
            if (await self._read(conn, again, prepared), latest) != (seen, settings):
                planner = again
                planner.plan_launches(latest.timezone)
            batches, deferred = await self._rows(conn, planner)
        done = 0
        for chunk, batch in zip(planner.chunks, batches, strict=True):
            for name, changes in batch.updates:
                await rows.update_rows(conn, name, self.guild_id, changes)
            for name, columns, new in batch.inserts:
                await rows.insert_rows(conn, name, columns, new)
            for _ in range(chunk.entries):
                done += 1
                if self.progress is not None:
                    self.progress(done, len(self.entries))
        repointed = _repointed([*planner.repointed, *deferred])
        await rows.update_rows(conn, "claims", self.guild_id, repointed)
        counts = planner.outcomes
        return ImportResult(
            counts["created"], counts["updated"], counts["unchanged"], planner.claims_added
        )

    async def _settings(self, session: AsyncSession) -> GuildSettingsRecord:
        """The server's settings; a member must be allowed to edit launches."""
        settings = await load_guild_settings(session, self.guild_id, self.defaults)
        require_editor(self.actor.member, settings.editor_role_id)
        return settings

    async def _read(
        self, conn: AsyncConnection, planner: Planner, prepared: list[PreparedEntry]
    ) -> tuple[object, ...]:
        """Reads what the entries are about into ``planner``; returns what it read."""
        g = self.guild_id
        names = {p.device_key for p in prepared}
        names.update(key for p in prepared for _, key in p.aliases)
        brands = await rows.brands(conn, g, keys={p.brand_key for p in prepared})
        devices = await rows.devices(conn, g, keys=names)
        owners = await rows.alias_owners(conn, g, names)
        devices += await rows.devices(conn, g, ids=set(owners.values()) - {d.id for d in devices})
        known = {b.id for b in brands}
        brands += await rows.brands(conn, g, ids={d.brand_id for d in devices} - known)
        planner.know(brands, devices, owners)
        planner.resolve_devices()
        existing = {d.id for d in planner.device_of if d.id is not None}
        launches = await rows.launches(conn, g, existing)
        planner.know_launches(launches)
        claims = await rows.claims(conn, g, planner.wanted_launches())
        planner.know_claims(claims)
        return brands, devices, owners, launches, claims

    async def _rows(
        self, conn: AsyncConnection, planner: Planner
    ) -> tuple[list[Batch], list[PlannedClaim]]:
        """Reserves the new rows' ids, then builds every row, chunk by chunk; and the claims
        whose superseded_by_id is written afterwards."""
        chunks = planner.chunks
        new: dict[str, list[Any]] = {
            "brands": [b for c in chunks for b in c.brands],
            "devices": [d for c in chunks for d in c.devices],
            "device_aliases": [a for c in chunks for a in c.aliases],
            "launches": [launch for c in chunks for launch in c.launches],
            "claims": [claim for c in chunks for claim in c.claims],
        }
        counts = {name: len(items) for name, items in new.items()}
        counts["audit_log"] = sum(len(c.audits) for c in chunks)
        reserved = await rows.reserve_ids(conn, counts)
        for name, items in new.items():
            for item, new_id in zip(items, reserved.get(name, ()), strict=True):
                item.id = new_id
        builder = RowBuilder(self.guild_id, self.actor, self.now, rows.Codec(conn.dialect))
        audit_ids = iter(reserved.get("audit_log", ()))
        return [builder.batch(chunk, audit_ids) for chunk in chunks], builder.deferred


def _repointed(claims: list[PlannedClaim]) -> list[dict[str, Any]]:
    changed = []
    for claim in claims:
        target = claim.pointer.id if claim.pointer is not None else None
        if target != claim.stored:
            changed.append({"id": claim.id, "superseded_by_id": target})
    return changed
