"""Changes to one server's launches inside one transaction.

Each change reads what it needs once (the launch locked, its aliases, its claims, the server's
settings) and returns a ``LaunchChange`` holding everything a caller shows afterwards, so nobody
reads it back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import audit_rows as audit
from bot.db import launch_queries as q
from bot.db.launch_queries import Shared
from bot.db.launch_rows import LaunchRow, aliases_of, claim_record, launch_record
from bot.db.models import Brand, Claim, Device, DeviceAlias, Launch
from bot.db.poll_news_rows import open_polls_of
from bot.db.settings_rows import load_guild_settings
from bot.domain.claim_fields import claim_fields
from bot.domain.clock import Clock
from bot.domain.dates import DateWindow, canonical_zone_name, parse_date, render_date
from bot.domain.errors import ClaimNotFound, InvalidInput, InvalidTransition, LaunchNotFound
from bot.domain.guild_settings import GuildDefaults, GuildSettingsRecord
from bot.domain.inputs import UNSET, LaunchEdit, NewClaim, NewLaunch
from bot.domain.permissions import require_editor
from bot.domain.records import Actor, ClaimAdded, ClaimRecord, LaunchChange, LaunchRecord
from bot.domain.snapshots import claim_snapshot, launch_snapshot
from bot.domain.text import (
    NAME_MAX,
    REGION_MAX,
    check_alias_count,
    check_confidence,
    clean_name,
    clean_text,
    clean_url,
    name_key,
)
from bot.domain.vocabulary import (
    TRANSITIONS,
    ClaimSubject,
    LaunchKind,
    LaunchStatus,
    Precision,
    SourceKind,
)
from bot.services.poll_planning import MovedCloses, move_closes
from bot.services.post_planning import notice_post, replan_launch

CONFLICT = "Someone else changed the same thing at the same moment; please try again."
UNIQUE_NAME = ("guild_id", "name_key")
UNIQUE_ALIAS = ("guild_id", "alias_key")


class LaunchWriter:
    def __init__(
        self,
        session: AsyncSession,
        guild_id: int,
        actor: Actor,
        clock: Clock,
        defaults: GuildDefaults,
    ) -> None:
        self.session = session
        self.guild_id = guild_id
        self.actor = actor
        self.clock = clock
        self.defaults = defaults
        self._settings: GuildSettingsRecord | None = None
        self._audits: list[dict[str, Any]] = []

    async def settings(self) -> GuildSettingsRecord:
        if self._settings is None:
            self._settings = await load_guild_settings(self.session, self.guild_id, self.defaults)
        return self._settings

    async def require_editor(self) -> None:
        """Members need the editor permission; the command line may do anything."""
        if self.actor.member is not None:  # the command line needs no settings read
            require_editor(self.actor.member, (await self.settings()).editor_role_id)

    # reading inside the transaction ------------------------------------------------------------

    async def _locked(self, launch_id: int) -> tuple[LaunchRow, LaunchRecord]:
        found = await q.launch_row(self.session, self.guild_id, launch_id, lock=True)
        if found is None:
            raise LaunchNotFound(f"There is no launch #{launch_id} in this server.")
        launch, device, brand = found
        aliases = await aliases_of(self.session, self.guild_id, [device.id])
        return found, launch_record(launch, device, brand, aliases.get(device.id, ()))

    async def claims(self, launch_id: int) -> list[ClaimRecord]:
        return [claim_record(r) for r in await q.claim_rows(self.session, self.guild_id, launch_id)]

    # devices and brands -------------------------------------------------------------------------

    async def _brand(self, name: str) -> Brand:
        clean = clean_name(name, "brand")
        key = name_key(clean)
        row = await q.brand_by_key(self.session, self.guild_id, key)
        if row is None:
            row = await q.insert_unless_taken(
                self.session, Brand, UNIQUE_NAME, guild_id=self.guild_id, name=clean, name_key=key
            ) or _created_meanwhile(await q.brand_by_key(self.session, self.guild_id, key))
        return row

    async def ensure_device(
        self, name: str, brand: str, *, series: bool = False, aliases: tuple[str, ...] = ()
    ) -> tuple[Device, Brand, tuple[str, ...] | None]:
        """The device by name or alias, created when new. The third value is the device's aliases
        when they are all known here (a new device), else None."""
        clean = clean_name(name, "device name")
        clean_brand = clean_name(brand, "brand")
        key = name_key(clean)
        device = await q.device_by_name(self.session, self.guild_id, key)
        if device is None:
            brand_row = await self._brand(clean_brand)
            device = await q.insert_unless_taken(
                self.session, Device, UNIQUE_NAME, guild_id=self.guild_id,
                brand_id=brand_row.id, name=clean, name_key=key, is_series=series,
            )  # fmt: skip
            if device is not None:
                return device, brand_row, await self._add_aliases(device, aliases)
            device = _created_meanwhile(await q.device_by_name(self.session, self.guild_id, key))
        brand_row = await self.session.get_one(Brand, device.brand_id)
        if brand_row.name_key != name_key(clean_brand):
            raise InvalidInput(
                f"{device.name} is already recorded under the brand {brand_row.name}, "
                f"not {clean_brand}."
            )
        if series and not device.is_series:
            device.is_series = True
        await self._add_aliases(device, aliases)
        return device, brand_row, None

    async def _add_aliases(self, device: Device, aliases: tuple[str, ...]) -> tuple[str, ...]:
        check_alias_count(len(aliases))
        added: list[str] = []
        for alias in aliases:
            clean = clean_name(alias, "alias")
            key = name_key(clean)
            if key == device.name_key:
                continue
            owner = await q.device_by_name(self.session, self.guild_id, key)
            if owner is None:
                row = await q.insert_unless_taken(
                    self.session, DeviceAlias, UNIQUE_ALIAS, guild_id=self.guild_id,
                    device_id=device.id, alias=clean, alias_key=key,
                )  # fmt: skip
                if row is not None:
                    added.append(clean)
                    continue
                owner = _created_meanwhile(await q.device_by_name(self.session, self.guild_id, key))
            if owner.id != device.id:
                raise InvalidInput(f'"{clean}" already names another device, {owner.name}.')
        return tuple(added)

    async def _refuse_duplicate(
        self,
        device: str,
        device_id: int,
        region: str,
        kind: LaunchKind,
        excluding: int | None = None,
    ) -> None:
        existing = await q.launch_like(
            self.session, self.guild_id, device_id, name_key(region), kind, excluding=excluding
        )
        if existing is not None:
            raise InvalidInput(
                f"{device} already has a {existing.region} {existing.kind.value} "
                f"(#{existing.id}); edit that one instead."
            )

    # changes ------------------------------------------------------------------------------------

    def _audit(
        self, action: str, launch_id: int, before: LaunchRecord | None, after: LaunchRecord | None
    ) -> None:
        self._audits.append(audit.entry(
            guild_id=self.guild_id,
            actor=self.actor,
            at=self.clock(),
            entity="launch",
            entity_id=launch_id,
            action=action,
            before=launch_snapshot(before),
            after=launch_snapshot(after),
        ))  # fmt: skip

    async def finish(self) -> None:
        """Writes what the unit of work left for its end (its audit rows, in one statement)."""
        await audit.insert_all(self.session, self._audits)
        self._audits.clear()

    async def add(self, new: NewLaunch, source: NewClaim | None = None) -> LaunchChange:
        region = clean_name(new.region, "region", REGION_MAX)
        device, brand, aliases = await self.ensure_device(
            new.device, new.brand, series=new.series, aliases=new.aliases
        )
        await self._refuse_duplicate(device.name, device.id, region, new.kind)
        settings = await self.settings()
        zone = canonical_zone_name(new.timezone) if new.timezone else settings.timezone
        now = self.clock()
        row = Launch(
            guild_id=self.guild_id,
            device_id=device.id,
            region=region,
            region_key=name_key(region),
            kind=new.kind,
            status=new.status,
            timezone=zone,
            confidence=check_confidence(new.confidence),
            livestream_url=clean_url(new.livestream_url, "livestream URL"),
            partner=clean_text(new.partner, "partner", NAME_MAX),
            note=clean_text(new.note, "note"),
            created_at=now,
            updated_at=now,
            created_by=self.actor.id,
            updated_by=self.actor.id,
        )
        _set_window(row, parse_date(new.date, default_tz=zone) if new.date else None)
        _require_date_if_confirmed(row)
        self.session.add(row)
        await self.session.flush()
        if aliases is None:
            aliases = tuple((await aliases_of(self.session, self.guild_id, [device.id])).get(
                device.id, ()
            ))  # fmt: skip
        after = launch_record(row, device, brand, aliases)
        claims: list[ClaimRecord] = []
        added = await self._add_claim(row, claims, source) if source is not None else None
        self._audit("add", row.id, None, after)
        next_post = await replan_launch(self.session, None, after, settings, now)
        return LaunchChange(None, after, settings, tuple(claims), added, next_post)

    async def edit(self, launch_id: int, edit: LaunchEdit, action: str = "edit") -> LaunchChange:
        (row, device, brand), before = await self._locked(launch_id)
        region = (
            before.region if edit.region is UNSET else clean_name(edit.region, "region", REGION_MAX)
        )
        kind = before.kind if edit.kind is UNSET else edit.kind
        if (name_key(region), kind) != (row.region_key, row.kind):
            # checked before the row changes: the query would otherwise flush the collision
            await self._refuse_duplicate(before.device, row.device_id, region, kind, row.id)
        row.region, row.region_key, row.kind = region, name_key(region), kind
        if edit.timezone is not UNSET:
            row.timezone = canonical_zone_name(edit.timezone)
            if (
                edit.date is UNSET
                and before.window
                and before.window.precision is not Precision.EXACT
            ):
                _set_window(row, parse_date(render_date(before.window), default_tz=row.timezone))
        if edit.date is not UNSET:
            _set_window(row, parse_date(edit.date, default_tz=row.timezone) if edit.date else None)
        if edit.confidence is not UNSET:
            row.confidence = check_confidence(edit.confidence)
        if edit.livestream_url is not UNSET:
            row.livestream_url = clean_url(edit.livestream_url, "livestream URL")
        if edit.partner is not UNSET:
            row.partner = clean_text(edit.partner, "partner", NAME_MAX)
        if edit.note is not UNSET:
            row.note = clean_text(edit.note, "note")
        return await self._finish((row, device, brand), before, action)

    async def set_status(
        self,
        launch_id: int,
        status: LaunchStatus,
        date: str | None = None,
        *,
        timezone: str | None = None,
        source: NewClaim | None = None,
        force: bool = False,
    ) -> LaunchChange:
        """``date`` is read in ``timezone`` when given, else in the launch's own zone."""
        (row, device, brand), before = await self._locked(launch_id)
        if not force and status not in TRANSITIONS[row.status]:
            raise InvalidTransition(_transition_message(before, status))
        if date:
            zone = canonical_zone_name(timezone) if timezone else row.timezone
            _set_window(row, parse_date(date, default_tz=zone))
        row.status = status
        action = "import" if force else status.value
        if (
            source is not None
            and source.author is None
            and source.source_kind is SourceKind.OFFICIAL
        ):
            source = replace(source, author=brand.name)
        return await self._finish((row, device, brand), before, action, source)

    async def adopt(self, launch_id: int, claim_id: int) -> LaunchChange:
        """Makes a date claim the launch's date; the status stays as it is."""
        (row, device, brand), before = await self._locked(launch_id)
        claims = await self.claims(launch_id)
        claim = next((c for c in claims if c.id == claim_id), None)
        if claim is None:
            raise ClaimNotFound(f"Launch #{launch_id} has no claim #{claim_id}.")
        if claim.window is None:
            raise InvalidInput("Only a date claim can be adopted as the launch's date.")
        _set_window(row, claim.window)
        return await self._finish(
            (row, device, brand), before, "adopt", claims=claims, adopted=claim
        )

    async def _finish(
        self,
        found: LaunchRow,
        before: LaunchRecord,
        action: str,
        source: NewClaim | None = None,
        claims: list[ClaimRecord] | None = None,
        adopted: ClaimRecord | None = None,
    ) -> LaunchChange:
        row, device, brand = found
        _require_date_if_confirmed(row)
        after = launch_record(row, device, brand, before.aliases)
        unchanged = launch_snapshot(before) == launch_snapshot(after)
        if not unchanged:
            row.updated_at, row.updated_by = self.clock(), self.actor.id
            after = replace(after, updated_at=row.updated_at)
        settings = await self.settings()
        claims = await self.claims(row.id) if claims is None else claims
        added = await self._add_claim(row, claims, source) if source is not None else None
        if not unchanged:  # written last, so both audit rows go in one statement at commit
            self._audit(action, row.id, before, after)
        after = before if unchanged else after
        change = LaunchChange(before, after, settings, tuple(claims), added or adopted)
        if added is not None and row.has_polls:  # its open polls' cards show its claims
            cards = await open_polls_of(self.session, self.guild_id, row.id)
            change = replace(change, claim_polls=cards)
        if not change.date_or_status_changed:
            return change
        now = self.clock()  # the notice tells what the change was, so it needs the claims first
        polls = await self._move_closes(row, after, now)
        next_post = await replan_launch(
            self.session, before, after, settings, now, notice_post(change, now), polls
        )
        return replace(change, next_post_at=next_post, moved_polls=polls.polls if polls else ())

    async def _move_closes(
        self, row: Launch, after: LaunchRecord | None, now: datetime
    ) -> MovedCloses | None:
        """Only a launch that has had a poll looks for polls to move (one statement)."""
        if not row.has_polls:
            return None
        return await move_closes(self.session, self.guild_id, row.id, after, now)

    async def remove(self, launch_id: int) -> LaunchChange:
        (row, _, _), before = await self._locked(launch_id)
        await self.session.execute(
            delete(Claim).where(Claim.guild_id == self.guild_id, Claim.launch_id == launch_id)
        )
        settings = await self.settings()
        now = self.clock()
        polls = await self._move_closes(row, None, now)
        closes = await replan_launch(self.session, before, None, settings, now, polls=polls)
        await self.session.delete(row)
        await self.session.flush()
        self._audit("remove", launch_id, before, None)
        moved = polls.polls if polls else ()
        return LaunchChange(before, None, settings, next_post_at=closes, moved_polls=moved)

    async def add_claim(self, launch_id: int, new: NewClaim) -> ClaimAdded:
        (row, _, _), launch = await self._locked(launch_id)
        claims = await self.claims(launch_id)
        added = await self._add_claim(row, claims, new)
        if not row.has_polls:
            return ClaimAdded(launch, added)
        return ClaimAdded(launch, added, await open_polls_of(self.session, self.guild_id, row.id))

    async def _add_claim(
        self, launch: Launch, claims: list[ClaimRecord], new: NewClaim
    ) -> ClaimRecord:
        """Records ``new`` and updates ``claims`` (the launch's claims, oldest first) in place:
        the newest claim on a subject stands, and every earlier one points at it."""
        now = self.clock()
        row = _claim_row(self.guild_id, launch, new, self.actor.id, now)
        same = [c for c in claims if _same_subject(c, row)]
        latest = max(same, key=lambda c: (c.seen_at, c.id), default=None)
        new_is_latest = latest is None or row.seen_at >= latest.seen_at
        if not new_is_latest and latest is not None:
            row.superseded_by_id = latest.id
        self.session.add(row)
        await self.session.flush()
        if new_is_latest and same:
            await self.session.execute(
                update(Claim)
                .where(Claim.guild_id == self.guild_id, Claim.id.in_([c.id for c in same]))
                .values(superseded_by_id=row.id)
            )
            ids = {c.id for c in same}
            claims[:] = [replace(c, superseded_by_id=row.id) if c.id in ids else c for c in claims]
        record = claim_record(row)
        claims.append(record)
        claims.sort(key=lambda c: (c.seen_at, c.id))
        self._audits.append(audit.entry(
            guild_id=self.guild_id,
            actor=self.actor,
            at=now,
            entity="claim",
            entity_id=row.id,
            action="add",
            before=None,
            after=claim_snapshot(record),
        ))  # fmt: skip
        return record


def _created_meanwhile(row: Shared | None) -> Shared:
    """A shared row another transaction inserted while this one tried to: it has committed."""
    if row is None:
        raise InvalidInput(CONFLICT)
    return row


def _claim_row(
    guild_id: int, launch: Launch, new: NewClaim, actor: int | None, now: datetime
) -> Claim:
    fields = claim_fields(new)
    row = Claim(
        guild_id=guild_id,
        launch_id=launch.id,
        subject=new.subject,
        source_kind=new.source_kind,
        statement=fields.statement,
        source_url=fields.source_url,
        author=fields.author,
        seen_at=new.seen_at or now,
        recorded_by=actor,
        confidence=fields.confidence,
        created_at=now,
        feature=fields.feature,
        feature_key=fields.feature_key,
        present=new.present if new.subject is ClaimSubject.FEATURE else None,
    )
    if new.subject is ClaimSubject.DATE:
        assert new.date is not None  # claim_fields refuses a date claim without one
        window = fields.window or parse_date(new.date, default_tz=launch.timezone)
        row.window_start, row.window_end = window.start, window.end
        row.precision, row.timezone = window.precision, window.tz
    if row.seen_at > now:
        raise InvalidInput("A claim cannot have been seen in the future.")
    return row


def _same_subject(claim: ClaimRecord, row: Claim) -> bool:
    if claim.subject is not row.subject:
        return False
    if row.subject is ClaimSubject.FEATURE:
        return claim.feature is not None and name_key(claim.feature) == row.feature_key
    return True


def _require_date_if_confirmed(row: Launch) -> None:
    if row.status is LaunchStatus.CONFIRMED and row.window_start is None:
        raise InvalidInput("A confirmed launch needs a date; give one, or change its status first.")


def _set_window(row: Launch, window: DateWindow | None) -> None:
    if window is None:
        row.window_start = row.window_end = row.precision = None
        return
    row.window_start, row.window_end, row.precision = window.start, window.end, window.precision
    row.timezone = window.tz


def _transition_message(launch: LaunchRecord, target: LaunchStatus) -> str:
    allowed = sorted(s.value for s in TRANSITIONS[launch.status])
    if not allowed:
        return f"{launch.title} has already {launch.status.value}; its status cannot change now."
    return (
        f"{launch.title} is {launch.status.value}, so it cannot become {target.value}. "
        f"From {launch.status.value} it can become: {', '.join(allowed)}."
    )
