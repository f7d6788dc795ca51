"""Several writers at once: claims still have exactly one current claim, and collisions on new
devices end in a clear message, not a database error."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.errors import InvalidInput
from bot.domain.inputs import NewClaim, NewLaunch
from bot.domain.records import Actor
from bot.domain.vocabulary import ClaimSubject, SourceKind
from bot.services.calendar import CalendarService
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


async def test_concurrent_adds_of_one_new_device_fail_cleanly(calendar: CalendarService) -> None:
    async def add(n: int) -> str:
        new = NewLaunch(device="Pixel 10", brand="Google", region=f"Region {n}")
        try:
            await calendar.add(GUILD, EDITORS[n], new)
        except InvalidInput as exc:
            return str(exc)
        return "added"

    results = await asyncio.gather(*(add(n) for n in range(4)))
    assert "added" in results
    refused = [r for r in results if r != "added"]
    assert all("at the same moment" in r for r in refused)
    page = await calendar.all(GUILD)
    assert page.total == results.count("added")
    assert {v.device for v in page.items} == {"Pixel 10"}
