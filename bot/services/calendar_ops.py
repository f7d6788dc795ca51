"""Calendar operations inside one unit of work (one session, one transaction).

``CalendarService`` wraps each call in its own transaction; the catalog importer runs many
inside a single one so that a bad file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db import audit_rows as audit
from bot.db.launch_rows import claim_record
from bot.db.models import Brand, Claim, Device, DeviceAlias, Launch
from bot.db.settings_rows import load_guild_settings
from bot.domain.dates import (
    DateWindow,
    Precision,
    canonical_zone_name,
    parse_date,
    render_date,
    window_from_record,
)
from bot.domain.errors import ClaimNotFound, InvalidInput, InvalidTransition, LaunchNotFound
from bot.domain.guild_settings import GuildDefaults
from bot.domain.inputs import UNSET, LaunchEdit, NewClaim, NewLaunch
from bot.domain.records import Actor, ClaimRecord, LaunchChange, LaunchRecord
from bot.domain.snapshots import claim_snapshot, launch_snapshot
from bot.domain.text import (
    NAME_MAX,
    REGION_MAX,
    check_confidence,
    clean_name,
    clean_text,
    clean_url,
    name_key,
)
from bot.domain.vocabulary import TRANSITIONS, ClaimSubject, LaunchKind, LaunchStatus

MAX_ALIASES = 20
LaunchQuery = Select[Launch, Device, Brand]


def triples(result: Iterable[Any]) -> list[tuple[Launch, Device, Brand]]:
    return [(row[0], row[1], row[2]) for row in result]


def _window_of(row: Launch) -> DateWindow | None:
    if row.window_start is None or row.window_end is None or row.precision is None:
        return None
    return window_from_record(row.window_start, row.window_end, row.precision.value, row.timezone)


class CalendarOps:
    def __init__(
        self,
        session: AsyncSession,
        guild_id: int,
        actor: Actor,
        clock: Callable[[], datetime],
        defaults: GuildDefaults,
    ) -> None:
        self.session = session
        self.guild_id = guild_id
        self.actor = actor
        self.clock = clock
        self.defaults = defaults
        self._zone: str | None = None

    # reading ---------------------------------------------------------------------------------

    async def views(self, rows: list[tuple[Launch, Device, Brand]]) -> list[LaunchRecord]:
        device_ids = {device.id for _, device, _ in rows}
        aliases: dict[int, list[str]] = {}
        if device_ids:
            found = await self.session.execute(
                select(DeviceAlias.device_id, DeviceAlias.alias)
                .where(DeviceAlias.guild_id == self.guild_id, DeviceAlias.device_id.in_(device_ids))
                .order_by(DeviceAlias.id)
            )
            for device_id, alias in found:
                aliases.setdefault(device_id, []).append(alias)
        return [
            LaunchRecord(
                id=launch.id,
                guild_id=launch.guild_id,
                device_id=device.id,
                device=device.name,
                brand=brand.name,
                is_series=device.is_series,
                aliases=tuple(aliases.get(device.id, ())),
                region=launch.region,
                kind=launch.kind,
                status=launch.status,
                window=_window_of(launch),
                timezone=launch.timezone,
                confidence=launch.confidence,
                livestream_url=launch.livestream_url,
                partner=launch.partner,
                note=launch.note,
                created_at=launch.created_at,
                updated_at=launch.updated_at,
                event_id=launch.discord_event_id,
            )
            for launch, device, brand in rows
        ]

    def joined(self) -> LaunchQuery:
        return (
            select(Launch, Device, Brand)
            .join(Device, Device.id == Launch.device_id)
            .join(Brand, Brand.id == Device.brand_id)
            .where(Launch.guild_id == self.guild_id)
        )

    async def view(self, launch_id: int) -> LaunchRecord:
        result = await self.session.execute(self.joined().where(Launch.id == launch_id))
        found = await self.views(triples(result))
        if not found:
            raise LaunchNotFound(f"There is no launch #{launch_id} in this server.")
        return found[0]

    async def _row(self, launch_id: int) -> Launch:
        """The launch, locked until the transaction ends (PostgreSQL; SQLite writes one at a
        time anyway), so concurrent changes to one launch cannot interleave."""
        row = await self.session.scalar(
            select(Launch)
            .where(Launch.guild_id == self.guild_id, Launch.id == launch_id)
            .with_for_update()
        )
        if row is None:
            raise LaunchNotFound(f"There is no launch #{launch_id} in this server.")
        return row

    async def find_existing(
        self, device_id: int, region: str, kind: LaunchKind, *, excluding: int | None = None
    ) -> Launch | None:
        """The launch with this device, region and kind (at most one exists per server)."""
        query = select(Launch).where(
            Launch.guild_id == self.guild_id,
            Launch.device_id == device_id,
            Launch.region_key == name_key(region),
            Launch.kind == kind,
        )
        if excluding is not None:
            query = query.where(Launch.id != excluding)
        return await self.session.scalar(query)

    async def _refuse_duplicate(
        self,
        device: str,
        device_id: int,
        region: str,
        kind: LaunchKind,
        excluding: int | None = None,
    ) -> None:
        existing = await self.find_existing(device_id, region, kind, excluding=excluding)
        if existing is not None:
            raise InvalidInput(
                f"{device} already has a {existing.region} {kind.value} (#{existing.id}); "
                "edit that one instead."
            )

    async def device_by_name(self, name: str) -> Device | None:
        key = name_key(name)
        alias = aliased(DeviceAlias)
        by_alias = select(alias.device_id).where(
            alias.guild_id == self.guild_id, alias.alias_key == key
        )
        return await self.session.scalar(
            select(Device)
            .where(Device.guild_id == self.guild_id)
            .where(or_(Device.name_key == key, Device.id.in_(by_alias.scalar_subquery())))
            .order_by((Device.name_key == key).desc())
            .limit(1)
        )

    # writing ---------------------------------------------------------------------------------

    async def default_timezone(self) -> str:
        if self._zone is None:
            settings = await load_guild_settings(self.session, self.guild_id, self.defaults)
            self._zone = settings.timezone
        return self._zone

    async def _brand(self, name: str) -> Brand:
        clean = clean_name(name, "brand")
        row = await self.session.scalar(
            select(Brand).where(Brand.guild_id == self.guild_id, Brand.name_key == name_key(clean))
        )
        if row is None:
            row = Brand(guild_id=self.guild_id, name=clean, name_key=name_key(clean))
            self.session.add(row)
            await self.session.flush()
        return row

    async def ensure_device(
        self, name: str, brand: str, *, series: bool = False, aliases: tuple[str, ...] = ()
    ) -> Device:
        clean = clean_name(name, "device name")
        clean_brand = clean_name(brand, "brand")
        device = await self.device_by_name(clean)
        if device is None:
            brand_row = await self._brand(clean_brand)
            device = Device(
                guild_id=self.guild_id,
                brand_id=brand_row.id,
                name=clean,
                name_key=name_key(clean),
                is_series=series,
            )
            self.session.add(device)
            await self.session.flush()
        else:
            owner = await self.session.get_one(Brand, device.brand_id)
            if owner.name_key != name_key(clean_brand):
                raise InvalidInput(
                    f"{device.name} is already recorded under the brand {owner.name}, "
                    f"not {clean_brand}."
                )
            if series and not device.is_series:
                device.is_series = True
        await self._add_aliases(device, aliases)
        return device

    async def _add_aliases(self, device: Device, aliases: tuple[str, ...]) -> None:
        if len(aliases) > MAX_ALIASES:
            raise InvalidInput(f"A device can have at most {MAX_ALIASES} aliases.")
        for alias in aliases:
            clean = clean_name(alias, "alias")
            key = name_key(clean)
            if key == device.name_key:
                continue
            owner = await self.device_by_name(clean)
            if owner is not None and owner.id != device.id:
                raise InvalidInput(f'"{clean}" already names another device, {owner.name}.')
            if owner is None:
                self.session.add(
                    DeviceAlias(
                        guild_id=self.guild_id, device_id=device.id, alias=clean, alias_key=key
                    )
                )
        await self.session.flush()

    def _audit(
        self, action: str, launch_id: int, before: LaunchRecord | None, after: LaunchRecord | None
    ) -> None:
        audit.record(
            self.session,
            guild_id=self.guild_id,
            actor=self.actor,
            at=self.clock(),
            entity="launch",
            entity_id=launch_id,
            action=action,
            before=launch_snapshot(before),
            after=launch_snapshot(after),
        )

    async def add(self, new: NewLaunch, device: Device | None = None) -> LaunchRecord:
        """Adds a launch; ``device`` may be passed when the caller has just ensured it."""
        region = clean_name(new.region, "region", REGION_MAX)
        if device is None:
            device = await self.ensure_device(
                new.device, new.brand, series=new.series, aliases=new.aliases
            )
        await self._refuse_duplicate(device.name, device.id, region, new.kind)
        zone = canonical_zone_name(new.timezone) if new.timezone else await self.default_timezone()
        window = parse_date(new.date, default_tz=zone) if new.date else None
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
        _set_window(row, window)
        _require_date_if_confirmed(row)
        self.session.add(row)
        await self.session.flush()
        brand = await self.session.get_one(Brand, device.brand_id)
        after = (await self.views([(row, device, brand)]))[0]
        self._audit("add", row.id, None, after)
        return after

    async def edit(self, launch_id: int, edit: LaunchEdit, action: str = "edit") -> LaunchChange:
        row = await self._row(launch_id)
        before = await self.view(launch_id)
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
            window = parse_date(edit.date, default_tz=row.timezone) if edit.date else None
            _set_window(row, window)
        if edit.confidence is not UNSET:
            row.confidence = check_confidence(edit.confidence)
        if edit.livestream_url is not UNSET:
            row.livestream_url = clean_url(edit.livestream_url, "livestream URL")
        if edit.partner is not UNSET:
            row.partner = clean_text(edit.partner, "partner", NAME_MAX)
        if edit.note is not UNSET:
            row.note = clean_text(edit.note, "note")
        return await self._finish(row, before, action)

    async def set_status(
        self,
        launch_id: int,
        status: LaunchStatus,
        date: str | None = None,
        *,
        timezone: str | None = None,
        force: bool = False,
    ) -> LaunchChange:
        """``date`` is read in ``timezone`` when given, else in the launch's own zone."""
        row = await self._row(launch_id)
        before = await self.view(launch_id)
        if not force and status not in TRANSITIONS[row.status]:
            raise InvalidTransition(_transition_message(before, status))
        if date:
            zone = canonical_zone_name(timezone) if timezone else row.timezone
            _set_window(row, parse_date(date, default_tz=zone))
        row.status = status
        return await self._finish(row, before, status.value if not force else "import")

    async def _finish(self, row: Launch, before: LaunchRecord, action: str) -> LaunchChange:
        _require_date_if_confirmed(row)
        row.updated_at = self.clock()
        row.updated_by = self.actor.id
        await self.session.flush()
        after = await self.view(row.id)
        if _same(before, after):
            return LaunchChange(before, before)
        self._audit(action, row.id, before, after)
        return LaunchChange(before, after)

    async def remove(self, launch_id: int) -> LaunchChange:
        row = await self._row(launch_id)
        before = await self.view(launch_id)
        await self.session.execute(
            delete(Claim).where(Claim.guild_id == self.guild_id, Claim.launch_id == launch_id)
        )
        await self.session.delete(row)
        await self.session.flush()
        self._audit("remove", launch_id, before, None)
        return LaunchChange(before, None)

    async def add_claim(self, launch_id: int, new: NewClaim) -> ClaimRecord:
        launch = await self._row(launch_id)
        now = self.clock()
        row = Claim(
            guild_id=self.guild_id,
            launch_id=launch.id,
            subject=new.subject,
            source_kind=new.source_kind,
            statement=clean_text(new.statement, "statement"),
            source_url=clean_url(new.source_url, "source URL"),
            author=clean_text(new.author, "author", NAME_MAX),
            seen_at=new.seen_at or now,
            recorded_by=self.actor.id,
            confidence=check_confidence(new.confidence),
            created_at=now,
        )
        if new.subject is ClaimSubject.DATE:
            if not new.date:
                raise InvalidInput("A date claim needs a date.")
            zone = canonical_zone_name(new.timezone) if new.timezone else launch.timezone
            window = parse_date(new.date, default_tz=zone)
            row.window_start, row.window_end = window.start, window.end
            row.precision, row.timezone = window.precision, window.tz
        else:
            if not new.feature or new.present is None:
                raise InvalidInput("A feature claim needs the feature and whether it is present.")
            row.feature = clean_name(new.feature, "feature")
            row.feature_key = name_key(row.feature)
            row.present = new.present
        if row.seen_at > now:
            raise InvalidInput("A claim cannot have been seen in the future.")
        self.session.add(row)
        await self.session.flush()
        await self._supersede(row)
        view = claim_record(row)
        audit.record(
            self.session,
            guild_id=self.guild_id,
            actor=self.actor,
            at=now,
            entity="claim",
            entity_id=row.id,
            action="add",
            before=None,
            after=claim_snapshot(view),
        )
        return view

    async def _supersede(self, new: Claim) -> None:
        """The newest claim on a subject stands; every earlier one points at it."""
        query = select(Claim).where(
            Claim.guild_id == self.guild_id,
            Claim.launch_id == new.launch_id,
            Claim.subject == new.subject,
        )
        if new.subject is ClaimSubject.FEATURE:
            query = query.where(Claim.feature_key == new.feature_key)
        rows = list(await self.session.scalars(query.order_by(Claim.seen_at, Claim.id)))
        latest = rows[-1]
        for row in rows:
            row.superseded_by_id = None if row is latest else latest.id
        await self.session.flush()

    async def adopt(self, launch_id: int, claim_id: int) -> LaunchChange:
        """Makes a date claim the launch's date; the status stays as it is."""
        row = await self._row(launch_id)
        claim = await self.session.scalar(
            select(Claim).where(
                Claim.guild_id == self.guild_id, Claim.launch_id == launch_id, Claim.id == claim_id
            )
        )
        if claim is None:
            raise ClaimNotFound(f"Launch #{launch_id} has no claim #{claim_id}.")
        window = claim_record(claim).window
        if window is None:
            raise InvalidInput("Only a date claim can be adopted as the launch's date.")
        before = await self.view(launch_id)
        _set_window(row, window)
        return await self._finish(row, before, "adopt")

    async def claims(self, launch_id: int) -> tuple[ClaimRecord, ...]:
        rows = await self.session.scalars(
            select(Claim)
            .where(Claim.guild_id == self.guild_id, Claim.launch_id == launch_id)
            .order_by(Claim.seen_at, Claim.id)
        )
        return tuple(claim_record(r) for r in rows)


def _require_date_if_confirmed(row: Launch) -> None:
    if row.status is LaunchStatus.CONFIRMED and row.window_start is None:
        raise InvalidInput("A confirmed launch needs a date; give one, or change its status first.")


def _set_window(row: Launch, window: DateWindow | None) -> None:
    if window is None:
        row.window_start = row.window_end = row.precision = None
        return
    row.window_start, row.window_end, row.precision = window.start, window.end, window.precision
    row.timezone = window.tz


def _same(a: LaunchRecord, b: LaunchRecord) -> bool:
    return launch_snapshot(a) == launch_snapshot(b)


def _transition_message(launch: LaunchRecord, target: LaunchStatus) -> str:
    allowed = sorted(s.value for s in TRANSITIONS[launch.status])
    if not allowed:
        return f"{launch.title} has already {launch.status.value}; its status cannot change now."
    return (
        f"{launch.title} is {launch.status.value}, so it cannot become {target.value}. "
        f"From {launch.status.value} it can become: {', '.join(allowed)}."
    )
