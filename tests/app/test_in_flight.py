"""The tracker a scheduled job registers with: the drain waits for it, and once the bot stops a
job that comes due is skipped."""

from __future__ import annotations

import asyncio

from bot.app.in_flight import InFlight


async def test_the_drain_waits_for_a_running_job_and_later_jobs_are_skipped() -> None:
    in_flight = InFlight()
    release = asyncio.Event()
    ran: list[str] = []

    @in_flight.job("deliver")
    async def deliver(name: str) -> None:
        ran.append(name)
        await release.wait()

    running = asyncio.create_task(deliver("first"))
    await asyncio.sleep(0)
    assert in_flight.running() == {"deliver": 1}
    drain = asyncio.create_task(in_flight.drain(grace_seconds=30))
    await in_flight.stopping.wait()
    await asyncio.wait_for(deliver("after the stop"), 5)
    assert not drain.done()
    release.set()
    assert await drain is True
    await running
    assert ran == ["first"] and len(in_flight) == 0


async def test_the_drain_gives_up_after_the_grace_period() -> None:
    in_flight = InFlight()
    async with in_flight.hold("stuck"):
        assert await in_flight.drain(grace_seconds=0) is False
    assert await in_flight.drain(grace_seconds=0) is True


async def test_an_adopted_task_counts_until_it_ends_once_however_often_adopted() -> None:
    in_flight = InFlight()
    release = asyncio.Event()

    async def click() -> None:
        in_flight.adopt_current("button")
        in_flight.adopt_current("button")
        await release.wait()

    task = asyncio.create_task(click())
    await asyncio.sleep(0)
    assert len(in_flight) == 1
    release.set()
    await task
    await asyncio.wait_for(in_flight.idle(), 5)
    assert len(in_flight) == 0
