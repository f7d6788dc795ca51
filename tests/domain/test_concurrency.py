"""Several writers at once: claims still have exactly one current claim, shared rows (brands,
devices, aliases) are created once and reused, and only a true collision on the same launch is
refused, with a clear message rather than a database error."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.errors import InvalidInput
from bot.domain.inputs import NewClaim, NewLaunch
from bot.domain.records import Actor
from bot.domain.vocabulary import ClaimSubject, SourceKind
from bot.services.calendar import CalendarService
from bot.services.launch_writer import CONFLICT
from tests.support.clock import FakeClock

GUILD = 1
EDITORS = [Actor(100 + n, f"editor {n}") for n in range(5)]


async def test_concurrent_date_claims_leave_one_current(
    calendar: CalendarService, clock: FakeClock
) -> None:
    added = await calendar.add(GUILD, EDITORS[0], NewLaunch(device="Xiaomi 12", brand="Xiaomi"))
    launch = added.after
    assert launch is not None

    async def claim(n: int) -> None:
        new = NewClaim(
            subject=ClaimSubject.DATE,
            source_kind=SourceKind.LEAKER,
            date=f"{n + 10} December 2021",
            seen_at=clock.now - timedelta(hours=10 - n),
        )
        await calendar.add_claim(GUILD, EDITORS[n], launch.id, new)

    await asyncio.gather(*(claim(n) for n in range(5)))
    claims = (await calendar.history(GUILD, launch.id)).claims
    current = [c for c in claims if c.superseded_by_id is None]
    assert len(claims) == 5 and len(current) == 1
    assert current[0].seen_at == max(c.seen_at for c in claims)
    assert all(c.superseded_by_id == current[0].id for c in claims if c is not current[0])


async def _add_at_once(calendar: CalendarService, launches: list[NewLaunch]) -> list[str]:
    async def add(n: int, new: NewLaunch) -> str:
        try:
            await calendar.add(GUILD, EDITORS[n % len(EDITORS)], new)
        except InvalidInput as exc:
            return str(exc)
        return "added"

    return list(await asyncio.gather(*(add(n, new) for n, new in enumerate(launches))))


async def test_concurrent_adds_of_one_new_device_all_succeed(calendar: CalendarService) -> None:
    new = [NewLaunch(device="Pixel 10", brand="Google", region=f"Region {n}") for n in range(8)]
    assert await _add_at_once(calendar, new) == ["added"] * 8
    page = await calendar.all(GUILD)
    assert page.total == 8
    assert {(v.device, v.brand) for v in page.items} == {("Pixel 10", "Google")}


async def test_concurrent_adds_of_one_new_alias_keep_it_on_one_device(
    calendar: CalendarService,
) -> None:
    new = [
        NewLaunch(device="Xiaomi 12", brand="Xiaomi", region=f"Region {n}", aliases=("Mi 12",))
        for n in range(6)
    ]
    assert await _add_at_once(calendar, new) == ["added"] * 6
    launches = (await calendar.all(GUILD)).items
    assert {v.aliases for v in launches} == {("Mi 12",)}


async def test_concurrent_adds_of_the_same_launch_refuse_all_but_one(
    calendar: CalendarService,
) -> None:
    """The one true conflict: the same device, region and kind. The first add wins; each other
    add is refused with a sentence, never a database error."""
    results = await _add_at_once(calendar, [NewLaunch(device="Mate 50", brand="Huawei")] * 5)
    assert results.count("added") == 1
    refused = [r for r in results if r != "added"]
    assert len(refused) == 4
    assert all(
        r == CONFLICT or r.startswith("Mate 50 already has a Global announcement") for r in refused
    ), refused
    assert (await calendar.all(GUILD)).total == 1
