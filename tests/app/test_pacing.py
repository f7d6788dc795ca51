"""The pacer holds the bot to a few requests on their way at once, whatever the channels: a
request that discord.py keeps waiting (after a global 429) holds back the next ones in the
pacer, instead of letting them pile up behind discord.py's lock and go out together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.app.pacing import IN_FLIGHT, Pacer


async def test_no_more_than_a_few_requests_are_on_their_way_at_once() -> None:
    pacer = Pacer()
    inside: list[int] = []
    changed = asyncio.Event()
    release = [asyncio.Event() for _ in range(IN_FLIGHT + 2)]

    async def send(n: int) -> None:
        # the last is a DM channel's opening, which counts as well
        held = pacer.request() if n == IN_FLIGHT + 1 else pacer.sending(channel_id=n)
        async with held:
            inside.append(n)
            changed.set()
            await release[n].wait()
            inside.remove(n)
            changed.set()

    async def until(condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(15):
            while not condition():
                changed.clear()
                await changed.wait()

    tasks = [asyncio.create_task(send(n)) for n in range(IN_FLIGHT + 2)]
    try:
        await until(lambda: len(inside) == IN_FLIGHT)
        await asyncio.sleep(0.3)  # the pace would have let the others in by now
        assert sorted(inside) == list(range(IN_FLIGHT))
        release[0].set()
        await until(lambda: 0 not in inside and len(inside) == IN_FLIGHT)
        await asyncio.sleep(0.3)
        assert len(inside) == IN_FLIGHT
        for event in release:
            event.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 15)
        assert inside == []
    finally:
        for task in tasks:
            task.cancel()
