"""Import a catalog into one server: idempotent, and all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.db.launch_queries import launch_like
from bot.domain.catalog import CatalogEntry
from bot.domain.dates import parse_date
from bot.domain.errors import CatalogError, DomainError
from bot.domain.inputs import LaunchEdit, NewClaim
from bot.domain.records import Actor, ClaimRecord
from bot.domain.text import NAME_MAX, clean_text, clean_url, name_key
from bot.services.calendar import CalendarService
from bot.services.launch_writer import LaunchWriter

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
    created = updated = unchanged = claims_added = 0
    async with service.unit(guild_id, actor) as ops:
        for done, entry in enumerate(entries, start=1):
            try:
                outcome, launch_id = await _import_launch(ops, entry)
                known = outcome != "created"
                claims_added += await _import_claims(ops, launch_id, entry.claims, known)
            except DomainError as exc:
                raise CatalogError(f"{entry.label}: {exc}") from None
            created += outcome == "created"
            updated += outcome == "updated"
            unchanged += outcome == "unchanged"
            if progress is not None:
                progress(done, len(entries))
    return ImportResult(created, updated, unchanged, claims_added)


async def _import_launch(ops: LaunchWriter, entry: CatalogEntry) -> tuple[str, int]:
    new = entry.launch
    device, _, _ = await ops.ensure_device(
        new.device, new.brand, series=new.series, aliases=new.aliases
    )
    existing = await launch_like(
        ops.session, ops.guild_id, device.id, name_key(new.region), new.kind
    )
    if existing is None:
        added = await ops.add(new)
        assert added.after is not None
        return "created", added.after.id
    edit = LaunchEdit(
        date=new.date,
        timezone=new.timezone or "UTC",
        region=new.region,
        confidence=new.confidence,
        livestream_url=new.livestream_url,
        partner=new.partner,
        note=new.note,
    )
    change = await ops.edit(existing.id, edit, action="import")
    changed = change.before != change.after
    if existing.status is not new.status:
        await ops.set_status(existing.id, new.status, force=True)
        changed = True
    return ("updated" if changed else "unchanged"), existing.id


def _claim_key(view: ClaimRecord) -> tuple[Any, ...]:
    window = view.window
    return (
        view.subject,
        (window.start, window.end, window.precision) if window else None,
        name_key(view.feature) if view.feature else None,
        view.present,
        view.source_url,
        view.author,
        view.seen_at,
    )


def _new_claim_key(claim: NewClaim) -> tuple[Any, ...]:
    window = parse_date(claim.date, default_tz=claim.timezone or "UTC") if claim.date else None
    return (
        claim.subject,
        (window.start, window.end, window.precision) if window else None,
        name_key(claim.feature) if claim.feature else None,
        claim.present,
        clean_url(claim.source_url),
        clean_text(claim.author, "author", NAME_MAX),
        claim.seen_at,
    )


async def _import_claims(
    ops: LaunchWriter, launch_id: int, claims: tuple[NewClaim, ...], existing_launch: bool
) -> int:
    known = {_claim_key(c) for c in await ops.claims(launch_id)} if existing_launch else set()
    added = 0
    for claim in claims:
        if claim.seen_at is None:
            raise CatalogError("every imported claim needs seen_at, so that re-importing is safe.")
        if _new_claim_key(claim) in known:
            continue
        recorded = await ops.add_claim(launch_id, claim)
        known.add(_claim_key(recorded.claim))
        added += 1
    return added
