"""The pacer waits while discord.py waits out a global 429: requests it let through then would
pile up behind discord.py's lock and go out together when the limit resets."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.app.pacing import GLOBAL_PER_SECOND, Pace, Pacer, share_of_budget


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


def test_a_process_s_pace_is_its_share_of_the_bot_s_budget() -> None:
    assert share_of_budget(None, 1.0) == GLOBAL_PER_SECOND
    assert share_of_budget(None, 1 / 3) == pytest.approx(GLOBAL_PER_SECOND / 3)
    assert share_of_budget(200.0, 1 / 3) == 200.0  # set explicitly (a REST proxy, a test)


async def test_the_bot_s_pace_gives_no_more_slots_than_its_rate() -> None:
    """A lower bound on the time taken (a loaded machine can only make it longer)."""
    pace = Pace.per_second(100.5)
    started = time.monotonic()
    for _ in range(50):
        await asyncio.wait_for(pace.slot(), 15)
    assert time.monotonic() - started >= 47 / 100.5
    slow = Pace.per_second(0.5)  # below one a second: one slot every two seconds
    await asyncio.wait_for(slow.slot(), 15)
    waiting = asyncio.create_task(slow.slot())
    try:
        await asyncio.sleep(0.5)
        assert not waiting.done()
    finally:
        waiting.cancel()
