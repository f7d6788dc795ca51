"""Import a catalog into one server: idempotent, all or nothing, and in bulk.

The file is prepared in pure code first (names, keys, dates, claims), so a bad entry is reported
before the database is touched. Then, in one transaction: a handful of queries read the brands,
devices, aliases, launches and claims the file is about; the import is worked out in memory
(``catalog_plan``); ids are reserved; and the rows are built and written, chunk by chunk.

PostgreSQL: the rows read stay locked, and the new rows go straight into the tables with COPY.

SQLite: everything up to the move of the rows happens without the main database's write lock.
The rows, and the scheduled posts of the launches added, are staged in temporary tables
(``catalog_staging``); then the lock is taken and, if
nothing of this server changed since it was read, the rows move into the real tables, their ids
shifted past any that other servers' writes took meanwhile. If this server did change, the
import is worked out again, without the lock, up to ``UNLOCKED_TRIES`` times, then under it.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.db import catalog_rows as rows
from bot.db.catalog_staging import Staging
from bot.db.engine import begin_read
from bot.db.settings_rows import load_guild_settings
from bot.domain.catalog import CatalogEntry
from bot.domain.catalog_prepare import Dates, PreparedEntry, prepare
from bot.domain.errors import InvalidInput
from bot.domain.guild_settings import GuildDefaults, GuildSettingsRecord
from bot.domain.permissions import require_editor
from bot.domain.records import Actor
from bot.services.calendar import CONFLICT, CalendarService
from bot.services.catalog_batches import INSERTS, RowBuilder
from bot.services.catalog_plan import Planner
from bot.services.catalog_state import PlannedClaim
from bot.services.poll_planning import follow_server_launches
from bot.services.poll_seeds import seed_polls
from bot.services.post_planning import replan_launches

Progress = Callable[[int, int], None]
UNLOCKED_TRIES = 3
"""SQLite: how many times an import is worked out without the write lock while writes to its
server keep changing what it read, before it is worked out under the lock."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    claims_added: int
    polls_added: int = 0
    """The catalog's resolved questions added (bot/services/poll_seeds.py)."""
    polls_moved: tuple[int, ...] = ()
    """Open polls whose close moved with their launch (their messages show when they close)."""

    def summary(self) -> str:
        questions = f", {self.polls_added} resolved questions added" if self.polls_added else ""
        return (
            f"{self.created} launches added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.claims_added} claims added{questions}"
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
                try:
                    result = await job.run(session)
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
                finally:
                    await job.close()
            except IntegrityError:
                raise InvalidInput(CONFLICT) from None
    seeded = await seed_polls(sessions, clock, guild_id, actor, entries)  # once the launches exist
    return replace(result, polls_added=seeded)


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
        self.staging: Staging | None = None
        self.audit_ids: Iterator[int] = iter(())
        self.done = self.reported = 0
        self.settings: GuildSettingsRecord | None = None
        self.prepared: list[PreparedEntry] = []
        self.planner: Planner | None = None
        self.added_posts = False
        """Whether the added launches' scheduled posts were written with them."""

    async def run(self, session: AsyncSession) -> ImportResult:
        await begin_read(session)  # SQLite: no transaction yet, so reading takes no lock
        conn = await session.connection()
        await rows.plan_once(conn)
        self.prepared = prepared = prepare(self.entries, self.dates)
        if conn.dialect.name == "sqlite":
            planner = await self._staged(session, conn, prepared)
        else:
            planner = await self._copied(session, conn, prepared)
        self.planner = planner
        moved: tuple[int, ...] = ()
        if planner.writes():  # the launches added or changed get their posts like any other
            await self._plan_posts(session, planner)
            moved = await follow_server_launches(session, self.guild_id, self.now)
        counts = planner.outcomes
        return ImportResult(
            counts["created"], counts["updated"], counts["unchanged"], planner.claims_added,
            polls_moved=moved,
        )  # fmt: skip

    async def _plan_posts(self, session: AsyncSession, planner: Planner) -> None:
        """The posts of the launches the import added or changed; the server's other launches
        keep theirs. The added launches' posts were written with them (``RowBuilder``)."""
        assert self.settings is not None
        added = [
            (launch.id, launch.window, launch.status)
            for chunk in planner.chunks
            for launch in chunk.launches
            if launch.id is not None and not self.added_posts
        ]
        changed = [
            (launch.id, launch.window, launch.status)
            for chunk in planner.chunks
            for launch in chunk.changed
            if launch.id is not None
        ]
        ids = [launch_id for launch_id, _, _ in changed]
        await replan_launches(session, self.settings, self.now, added + changed, ids)

    async def close(self) -> None:
        """Once the transaction ended: drops the staging tables and frees the plan (millions of
        objects at 100,000 launches: freed under SQLite's write lock, they held it 0.6 s
        longer)."""
        if self.staging is not None:
            await self.staging.close()
        if self.planner is not None:
            self.planner.release()
        self.planner = None
        self.prepared = []

    async def _plan(
        self, session: AsyncSession, conn: AsyncConnection, prepared: list[PreparedEntry]
    ) -> tuple[Planner, GuildSettingsRecord]:
        """Reads what the entries are about and works the import out."""
        session.expire_all()
        settings = await self._settings(session)
        planner = Planner(prepared, self.now, self.dates)
        await self._read(conn, planner, prepared)
        planner.plan_launches(settings.timezone)
        self.settings = settings
        return planner, settings

    async def _copied(
        self, session: AsyncSession, conn: AsyncConnection, prepared: list[PreparedEntry]
    ) -> Planner:
        """PostgreSQL: updates, then each chunk's new rows with one COPY per table. The next
        chunk's rows are built on another thread meanwhile, while the server works through the
        rows just sent (its foreign-key checks are most of the time)."""
        planner, settings = await self._plan(session, conn, prepared)
        if not planner.writes():
            return planner
        await rows.write_lock(conn, None)
        builder, _ = await self._builder(conn, planner, settings, by_chunk=True)
        chunks = planner.chunks
        batch = builder.batch(chunks[0], self.audit_ids)
        for n, chunk in enumerate(chunks):
            following = chunks[n + 1] if n + 1 < len(chunks) else None
            building = (
                asyncio.ensure_future(asyncio.to_thread(builder.batch, following, self.audit_ids))
                if following is not None
                else None
            )
            try:
                for name, changes in batch.updates:
                    await rows.update_rows(conn, name, self.guild_id, changes)
                for name, columns, new in batch.inserts:
                    await rows.copy_rows(conn, name, columns, new)
            finally:
                if building is not None:
                    batch = await building  # also when the COPY failed: the thread ends first
            self._progress(chunk.entries)
        repointed = _repointed([*planner.repointed, *builder.deferred])
        await rows.update_rows(conn, "claims", self.guild_id, repointed)
        return planner

    async def _staged(
        self, session: AsyncSession, conn: AsyncConnection, prepared: list[PreparedEntry]
    ) -> Planner:
        """SQLite: worked out and staged without the write lock; moved in under it."""
        self.staging = staging = Staging(conn, INSERTS)
        for attempt in range(UNLOCKED_TRIES + 1):
            locked = attempt == UNLOCKED_TRIES
            if locked:  # the server keeps changing: work it out under the lock this time
                await rows.write_lock(conn, None)
            version = await rows.data_version(conn)
            marks = await rows.tops(conn)
            planner, settings = await self._plan(session, conn, prepared)
            if not planner.writes():
                return planner
            builder, planned = await self._builder(conn, planner, settings, by_chunk=False)
            await staging.open()
            updates: list[tuple[str, list[dict[str, Any]]]] = []
            for chunk in planner.chunks:
                batch = builder.batch(chunk, self.audit_ids)  # while the last chunk is staged
                await staging.flush()
                for name, _, new in batch.inserts:
                    staging.add(name, new)
                await staging.started()
                updates += batch.updates
                self._progress(chunk.entries)
            await staging.commit()
            current = planned
            if not locked and not await rows.write_lock(conn, version):
                if await self._changed(session, conn, marks, settings):
                    await rows.release_lock(conn)
                    planner.release()
                    continue
                current = await rows.tops(conn, planned)
            await staging.move(planned, current)
            shift = {name: current[name] - top for name, top in planned.items()}
            for name, changes in updates:
                await rows.update_rows(conn, name, self.guild_id, changes)
            repointed = _repointed(planner.repointed, shift.get("claims", 0), planned.get("claims"))
            await rows.update_rows(conn, "claims", self.guild_id, repointed)
            return planner
        raise AssertionError("the last attempt holds the write lock")

    async def _changed(
        self,
        session: AsyncSession,
        conn: AsyncConnection,
        marks: dict[str, int],
        settings: GuildSettingsRecord,
    ) -> bool:
        """Whether this server changed since ``marks`` were read (before the import's reads)."""
        if await rows.guild_changed(conn, self.guild_id, marks):
            return True
        session.expire_all()
        return await self._settings(session) != settings

    def _progress(self, entries: int) -> None:
        """Reports each entry once, however often the import is worked out."""
        done = self.done + entries
        if self.progress is not None:
            for n in range(self.reported + 1, done + 1):
                self.progress(n, len(self.entries))
        self.reported = max(self.reported, done)
        self.done = done

    async def _settings(self, session: AsyncSession) -> GuildSettingsRecord:
        """The server's settings; a member must be allowed to edit launches."""
        settings = await load_guild_settings(session, self.guild_id, self.defaults)
        require_editor(self.actor.member, settings.editor_role_id)
        return settings

    async def _read(
        self, conn: AsyncConnection, planner: Planner, prepared: list[PreparedEntry]
    ) -> None:
        """Reads what the entries are about into ``planner``."""
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

    async def _builder(
        self,
        conn: AsyncConnection,
        planner: Planner,
        settings: GuildSettingsRecord,
        *,
        by_chunk: bool,
    ) -> tuple[RowBuilder, dict[str, int]]:
        """Reserves the new rows' ids; returns the builder and, per table that gets new rows,
        the largest id before them."""
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
        self.audit_ids = iter(reserved.get("audit_log", ()))
        self.done = 0
        codec = rows.Codec(conn.dialect)
        builder = RowBuilder(
            self.guild_id, self.actor, self.now, codec, settings, by_chunk=by_chunk
        )
        self.added_posts = True
        return builder, {name: ids[0] - 1 for name, ids in reserved.items()}


def _repointed(
    claims: list[PlannedClaim], shift: int = 0, top: int | None = None
) -> list[dict[str, Any]]:
    """Stored claims whose superseded_by_id changes; a new claim's id moved up by ``shift`` if
    it is above ``top``."""
    changed = []
    for claim in claims:
        target = claim.pointer.id if claim.pointer is not None else None
        if target is not None and top is not None and target > top:
            target += shift
        if target != claim.stored:
            changed.append({"id": claim.id, "superseded_by_id": target})
    return changed
