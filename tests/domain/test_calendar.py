"""The calendar service on a real database, once per backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.audit_rows import audit_for
from bot.db.engine import create_session_factory
from bot.db.models import AuditEntry, Claim, Launch
from bot.domain.calendar_query import PageRequest, Turn, UpcomingFilter
from bot.domain.dates import Precision
from bot.domain.errors import InvalidDate, InvalidInput, InvalidTransition, LaunchNotFound
from bot.domain.inputs import LaunchEdit, NewClaim, NewLaunch
from bot.domain.records import Actor, CalendarKey, LaunchChange
from bot.domain.vocabulary import ClaimSubject, FeaturePresence, LaunchStatus, SourceKind
from bot.services.calendar import CalendarService
from tests.support.clock import FakeClock

GUILD, OTHER = 1, 2
EDITOR = Actor(1001, "editor")
SHANGHAI_1930 = datetime(2021, 12, 28, 11, 30, tzinfo=UTC)


async def _count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


def _id(change: LaunchChange) -> int:
    assert change.after is not None
    return change.after.id


async def _xiaomi(calendar: CalendarService, guild: int = GUILD) -> int:
    view = await calendar.add(
        guild,
        EDITOR,
        NewLaunch(device="Xiaomi 12", brand="Xiaomi", date="12 December 2021",
                  timezone="Asia/Shanghai", region="China", aliases=("Mi 12",), series=True),
        NewClaim(subject=ClaimSubject.DATE, source_kind=SourceKind.MEDIA, date="12 December 2021",
                 author="MyDrivers", source_url="https://www.mydrivers.com/"),
    )  # fmt: skip
    return _id(view)


async def test_add_then_confirm_records_window_claims_and_audit(
    calendar: CalendarService, engine: AsyncEngine, clock: FakeClock
) -> None:
    launch_id = await _xiaomi(calendar)
    view = await calendar.get(GUILD, launch_id)
    assert view.status is LaunchStatus.RUMORED
    assert view.window is not None and view.window.precision is Precision.DAY
    assert view.window.start == datetime(2021, 12, 11, 16, tzinfo=UTC)
    assert view.aliases == ("Mi 12",)

    clock.advance(timedelta(days=40))
    change = await calendar.confirm(
        GUILD, EDITOR, launch_id, "2021-12-28 19:30 Asia/Shanghai",
        NewClaim(subject=ClaimSubject.DATE, source_kind=SourceKind.OFFICIAL,
                 date="2021-12-28 19:30 Asia/Shanghai", author="Xiaomi"),
    )  # fmt: skip
    assert change.before is not None and change.after is not None
    assert change.date_or_status_changed
    assert change.after.status is LaunchStatus.CONFIRMED
    assert change.after.window is not None
    assert change.after.window.start == SHANGHAI_1930
    assert change.after.window.precision is Precision.EXACT

    history = await calendar.history(GUILD, launch_id)
    assert [c.author for c in history.claims] == ["MyDrivers", "Xiaomi"]
    first, second = history.claims
    assert first.superseded_by_id == second.id and second.superseded_by_id is None
    assert [a.action for a in history.audit] == ["add", "confirmed"]
    assert history.audit[1].before is not None and history.audit[1].after is not None
    assert history.audit[1].before["status"] == "rumored"
    assert history.audit[1].after["status"] == "confirmed"
    assert history.audit[1].actor_id == EDITOR.id
    assert await _count(engine, AuditEntry) == 4  # two launch changes, two claims


async def test_full_lifecycle_and_illegal_transitions(calendar: CalendarService) -> None:
    launch_id = await _xiaomi(calendar)
    await calendar.tease(GUILD, EDITOR, launch_id)
    await calendar.postpone(GUILD, EDITOR, launch_id, "late December 2021")
    postponed = await calendar.get(GUILD, launch_id)
    assert postponed.status is LaunchStatus.POSTPONED
    assert postponed.window is not None and postponed.window.precision is Precision.PART_OF_MONTH
    await calendar.confirm(GUILD, EDITOR, launch_id, "2021-12-28 19:30 Asia/Shanghai")
    await calendar.mark_launched(GUILD, EDITOR, launch_id)
    with pytest.raises(InvalidTransition, match="already launched"):
        await calendar.cancel(GUILD, EDITOR, launch_id)
    assert (await calendar.get(GUILD, launch_id)).status is LaunchStatus.LAUNCHED


async def test_cancelled_launch_can_be_revived_but_not_launched(calendar: CalendarService) -> None:
    launch_id = await _xiaomi(calendar)
    await calendar.cancel(GUILD, EDITOR, launch_id)
    with pytest.raises(InvalidTransition, match="cannot become launched"):
        await calendar.mark_launched(GUILD, EDITOR, launch_id)
    change = await calendar.confirm(GUILD, EDITOR, launch_id, "28 December 2021")
    assert change.after is not None and change.after.status is LaunchStatus.CONFIRMED


async def test_edit_changes_only_given_fields_and_skips_audit_when_nothing_changes(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    launch_id = await _xiaomi(calendar)
    change = await calendar.edit(
        GUILD, EDITOR, launch_id, LaunchEdit(confidence=80, partner="Leica")
    )
    assert change.before is not None and change.after is not None
    assert (change.after.confidence, change.after.partner) == (80, "Leica")
    assert change.after.window == change.before.window
    audits = await _count(engine, AuditEntry)
    same = await calendar.edit(GUILD, EDITOR, launch_id, LaunchEdit(confidence=80))
    assert same.before == same.after
    assert await _count(engine, AuditEntry) == audits
    cleared = await calendar.edit(GUILD, EDITOR, launch_id, LaunchEdit(partner=None))
    assert cleared.after is not None and cleared.after.partner is None


async def test_changing_zone_reinterprets_a_vague_window(calendar: CalendarService) -> None:
    launch_id = await _xiaomi(calendar)
    change = await calendar.edit(GUILD, EDITOR, launch_id, LaunchEdit(timezone="Europe/Berlin"))
    assert change.after is not None and change.after.window is not None
    assert change.after.window.start == datetime(2021, 12, 11, 23, tzinfo=UTC)
    assert change.after.window.precision is Precision.DAY


@pytest.mark.parametrize(
    ("new", "error"),
    [
        (NewLaunch(device="Pixel 9", brand="Google", date="31 February 2022"), InvalidDate),
        (NewLaunch(device="Pixel 9", brand="Google", date="sometime soon"), InvalidDate),
        (NewLaunch(device="Pixel 9", brand="Google", timezone="Mars/Olympus"), InvalidDate),
        (NewLaunch(device="Pixel 9", brand="Google", livestream_url="javascript:x"), InvalidInput),
        (NewLaunch(device="x" * 101, brand="Google"), InvalidInput),
        (NewLaunch(device="   ", brand="Google"), InvalidInput),
        (NewLaunch(device="Pixel 9", brand="Google", confidence=101), InvalidInput),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_and_writes_nothing(
    calendar: CalendarService, engine: AsyncEngine, new: NewLaunch, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await calendar.add(GUILD, EDITOR, new)
    assert await _count(engine, Launch) == 0
    assert await _count(engine, AuditEntry) == 0


async def test_bad_source_rolls_back_the_whole_add(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    with pytest.raises(InvalidInput, match="http"):
        await calendar.add(
            GUILD, EDITOR, NewLaunch(device="Pixel 9", brand="Google", date="Q3 2024"),
            NewClaim(subject=ClaimSubject.DATE, source_kind=SourceKind.LEAKER, date="Q3 2024",
                     source_url="ftp://example.com/leak"),
        )  # fmt: skip
    assert await _count(engine, Launch) == 0
    assert await _count(engine, Claim) == 0


async def test_duplicate_launch_and_brand_mismatch_are_refused(calendar: CalendarService) -> None:
    await _xiaomi(calendar)
    with pytest.raises(InvalidInput, match="already has a China announcement"):
        await calendar.add(GUILD, EDITOR, NewLaunch(device="mi 12", brand="Xiaomi", region="china"))
    with pytest.raises(InvalidInput, match="brand Xiaomi"):
        await calendar.add(GUILD, EDITOR, NewLaunch(device="Xiaomi 12", brand="Redmi"))


async def test_guilds_are_isolated(calendar: CalendarService) -> None:
    launch_id = await _xiaomi(calendar, GUILD)
    with pytest.raises(LaunchNotFound):
        await calendar.get(OTHER, launch_id)
    with pytest.raises(LaunchNotFound):
        await calendar.confirm(OTHER, EDITOR, launch_id, "28 December 2021")
    with pytest.raises(LaunchNotFound):
        await calendar.remove(OTHER, EDITOR, launch_id)
    assert await calendar.search(OTHER, "xiaomi") == []
    assert (await calendar.upcoming(OTHER)).total == 0
    other_id = await _xiaomi(calendar, OTHER)
    assert other_id != launch_id
    assert (await calendar.get(GUILD, launch_id)).status is LaunchStatus.RUMORED


async def test_search_matches_name_alias_and_brand(calendar: CalendarService) -> None:
    launch_id = await _xiaomi(calendar)
    await calendar.add(GUILD, EDITOR, NewLaunch(device="Mate 50", brand="Huawei", date="2022"))
    assert [v.id for v in await calendar.search(GUILD, "mi 1")] == [launch_id]
    assert [v.device for v in await calendar.search(GUILD, "HUAWEI")] == ["Mate 50"]
    assert len(await calendar.search(GUILD, "")) == 2
    assert await calendar.search(GUILD, "%") == []


async def test_upcoming_orders_by_window_start_and_filters(
    calendar: CalendarService, clock: FakeClock
) -> None:
    for device, brand, date in [
        ("Mate 50", "Huawei", "2022"),
        ("Xiaomi 12", "Xiaomi", "28 December 2021"),
        ("Galaxy S22", "Samsung", "Q1 2022"),
        ("iPhone 13", "Apple", "September 2021"),
        ("Pixel 7", "Google", None),
    ]:
        await calendar.add(GUILD, EDITOR, NewLaunch(device=device, brand=brand, date=date))
    page = await calendar.upcoming(GUILD)
    # Q1 2022 and 2022 start together; the narrower window comes first.
    assert [v.device for v in page.items] == ["Xiaomi 12", "Galaxy S22", "Mate 50"]
    assert page.total == 3
    first = await calendar.upcoming(GUILD, page=PageRequest(limit=1))
    second = await calendar.upcoming(
        GUILD, page=PageRequest(Turn.NEXT, CalendarKey.of(first.items[0]), 1, 3, True, 1)
    )
    assert [v.device for v in second.items] == ["Galaxy S22"] and second.total == 3
    now = clock.now
    samsung = await calendar.upcoming(GUILD, UpcomingFilter(now, brand="samsung"))
    assert [v.device for v in samsung.items] == ["Galaxy S22"]
    before_2022 = await calendar.upcoming(
        GUILD, UpcomingFilter(now, datetime(2022, 1, 1, tzinfo=UTC))
    )
    assert [v.device for v in before_2022.items] == ["Xiaomi 12"]
    everything = await calendar.all(GUILD)
    assert [v.device for v in everything.items][-1] == "Pixel 7"
    assert everything.total == 5


async def test_feature_claims_supersede_per_feature(
    calendar: CalendarService, clock: FakeClock
) -> None:
    launch_id = _id(await calendar.add(GUILD, EDITOR, NewLaunch(device="Mate 50", brand="Huawei")))
    base = clock.now - timedelta(days=30)

    async def claim(feature: str, present: FeaturePresence, days: int) -> int:
        new = NewClaim(subject=ClaimSubject.FEATURE, source_kind=SourceKind.MEDIA, feature=feature,
                       present=present, seen_at=base + timedelta(days=days))  # fmt: skip
        return (await calendar.add_claim(GUILD, EDITOR, launch_id, new)).claim.id

    doubt = await claim("Leica cameras", FeaturePresence.UNCLEAR, 1)
    xmage = await claim("XMAGE", FeaturePresence.YES, 2)
    final = await claim("leica CAMERAS", FeaturePresence.NO, 3)
    claims = {c.id: c for c in (await calendar.history(GUILD, launch_id)).claims}
    assert claims[doubt].superseded_by_id == final
    assert claims[xmage].superseded_by_id is None
    assert claims[final].superseded_by_id is None
    with pytest.raises(InvalidInput, match="future"):
        await claim("NFC", FeaturePresence.YES, 60)


async def test_remove_deletes_launch_and_claims_and_is_audited(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    launch_id = await _xiaomi(calendar)
    change = await calendar.remove(GUILD, EDITOR, launch_id)
    assert change.after is None and change.before is not None
    assert await _count(engine, Launch) == 0
    assert await _count(engine, Claim) == 0
    async with engine.connect() as conn:
        actions = (await conn.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars()
        assert list(actions)[-1] == "remove"
    with pytest.raises(LaunchNotFound):
        await calendar.get(GUILD, launch_id)


async def test_confirm_reads_the_date_in_the_given_zone(calendar: CalendarService) -> None:
    launch_id = await _xiaomi(calendar)
    change = await calendar.confirm(GUILD, EDITOR, launch_id, "2021-12-28 19:30", timezone="UTC")
    assert change.after is not None and change.after.window is not None
    assert change.after.window.start == datetime(2021, 12, 28, 19, 30, tzinfo=UTC)
    assert change.after.timezone == "UTC"
    with pytest.raises(InvalidDate):
        await calendar.confirm(GUILD, EDITOR, launch_id, "2021-12-28 19:30", timezone="CST")


async def test_removed_launch_numbers_are_never_reused(calendar: CalendarService) -> None:
    first = await _xiaomi(calendar)
    await calendar.remove(GUILD, EDITOR, first)
    second = _id(await calendar.add(GUILD, EDITOR, NewLaunch(device="Mate 50", brand="Huawei")))
    assert second > first


async def test_long_histories_keep_their_newest_changes(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    launch_id = await _xiaomi(calendar)
    for confidence in (10, 20, 30):
        await calendar.edit(GUILD, EDITOR, launch_id, LaunchEdit(confidence=confidence))
    async with create_session_factory(engine)() as session:
        newest = await audit_for(session, GUILD, "launch", launch_id, limit=2)
    assert [e.after["confidence"] for e in newest if e.after] == [20, 30]


async def test_editing_into_an_existing_launch_is_refused(
    calendar: CalendarService, engine: AsyncEngine
) -> None:
    china = await _xiaomi(calendar)
    global_id = _id(
        await calendar.add(GUILD, EDITOR, NewLaunch(device="Xiaomi 12", brand="Xiaomi"))
    )
    audits = await _count(engine, AuditEntry)
    with pytest.raises(InvalidInput, match=f"already has a China announcement \\(#{china}\\)"):
        await calendar.edit(GUILD, EDITOR, global_id, LaunchEdit(region="CHINA"))
    assert (await calendar.get(GUILD, global_id)).region == "Global"
    assert await _count(engine, AuditEntry) == audits
    moved = await calendar.edit(GUILD, EDITOR, global_id, LaunchEdit(region="Europe"))
    assert moved.after is not None and moved.after.region == "Europe"
