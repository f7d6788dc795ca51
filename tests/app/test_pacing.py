"""The pacer waits while discord.py waits out a global 429: requests it let through then would
pile up behind discord.py's lock and go out together when the limit resets."""

from __future__ import annotations

import asyncio

from bot.app.pacing import Pacer


async def test_no_slot_is_given_while_a_global_rate_limit_is_waited_out() -> None:
    clear = asyncio.Event()
    clear.set()
    pacer = Pacer(lambda: clear)
    await asyncio.wait_for(pacer.slot(channel_id=1), 15)

    clear.clear()  # discord.py met a global 429
    waiting = [
        asyncio.create_task(pacer.slot(channel_id=2)),
        asyncio.create_task(pacer.request()),  # a DM channel's opening waits as well
    ]
    try:
        await asyncio.sleep(0.3)  # the pace alone would have given both slots by now
        assert not any(task.done() for task in waiting)
        clear.set()
        await asyncio.wait_for(asyncio.gather(*waiting), 15)
    finally:
        for task in waiting:
            task.cancel()


async def test_without_discord_s_flag_the_pace_alone_decides() -> None:
    pacer = Pacer()
    await asyncio.wait_for(asyncio.gather(pacer.slot(channel_id=1), pacer.request()), 15)
