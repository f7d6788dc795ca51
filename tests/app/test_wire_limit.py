"""Discord's global limit kept on the wire: however late the server counts each request (a
loaded machine), no second of its count holds more than the ceiling; answers to interactions
are never held."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from bot.app.pacing import DISCORD_PER_SECOND, GLOBAL_PER_SECOND, share_of_budget
from bot.app.wire_limit import WireLimit, counts_against_global

BOT = {"Authorization": "Bot token"}


def test_the_ceiling_is_the_process_s_share_of_discord_s_limit() -> None:
    assert WireLimit().ceiling == DISCORD_PER_SECOND
    assert WireLimit(share_of_budget(None, 1 / 3)).ceiling == DISCORD_PER_SECOND // 3
    assert WireLimit(400.0).ceiling == int(400 * DISCORD_PER_SECOND / GLOBAL_PER_SECOND)


def test_only_requests_with_the_bot_s_token_count() -> None:
    api = URL("https://discord.com/api/v10/channels/1/messages")
    assert counts_against_global(api, BOT)
    callback = URL("https://discord.com/api/v10/interactions/1/tok/callback")
    assert not counts_against_global(callback, {})
    assert not counts_against_global(URL("wss://gateway.discord.gg/?v=10"), BOT)


async def test_a_request_waits_until_a_second_after_the_end_that_makes_room() -> None:
    limit = WireLimit(GLOBAL_PER_SECOND * 3 / DISCORD_PER_SECOND)
    assert limit.ceiling == 3
    for _ in range(3):
        await asyncio.wait_for(limit.start(), 15)
    fourth = asyncio.create_task(limit.start())
    try:
        await asyncio.sleep(0.2)
        assert not fourth.done()  # three on their way, however long they take
        ended_at = time.monotonic()
        limit.end()
        await asyncio.wait_for(fourth, 15)
        assert time.monotonic() - ended_at >= 1.0
        assert limit.counted() == 3
    finally:
        fourth.cancel()


async def test_a_request_cancelled_while_waiting_counts_for_nothing() -> None:
    limit = WireLimit(GLOBAL_PER_SECOND / DISCORD_PER_SECOND)
    await asyncio.wait_for(limit.start(), 15)
    waiting = asyncio.create_task(limit.start())
    await asyncio.sleep(0.05)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert limit.counted() == 1


@asynccontextmanager
async def counting_server(
    counted: list[float], hold: asyncio.Event, arrived: asyncio.Event | None = None
) -> AsyncIterator[TestServer]:
    """Counts each request at a random moment between its arrival and its answer, as a server
    whose process waits for a core would."""
    rng = random.Random(9)

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/held":
            if arrived is not None:
                arrived.set()
            await hold.wait()
            return web.Response(text="ok")
        await asyncio.sleep(rng.uniform(0, 0.3))
        counted.append(time.monotonic())
        await asyncio.sleep(rng.uniform(0, 0.1))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    async with TestServer(app) as server:
        yield server


async def test_no_second_of_the_server_s_count_holds_more_than_the_ceiling() -> None:
    limit = WireLimit(GLOBAL_PER_SECOND * 4 / DISCORD_PER_SECOND)
    trace = aiohttp.TraceConfig()
    limit.attach(trace)
    counted: list[float] = []
    async with (
        counting_server(counted, asyncio.Event()) as server,
        aiohttp.ClientSession(trace_configs=[trace]) as session,
    ):

        async def one() -> None:
            async with session.post(server.make_url("/channels/1/messages"), headers=BOT) as r:
                assert r.status == 200

        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(14))), 60)
    assert len(counted) == 14
    counted.sort()
    busiest = max(sum(1 for t in counted if start <= t < start + 1.0) for start in counted)
    assert busiest <= limit.ceiling == 4
    assert limit.counted() <= 4  # every request ended (the last ones less than a second ago)


async def test_answers_to_interactions_are_never_held() -> None:
    limit = WireLimit(GLOBAL_PER_SECOND / DISCORD_PER_SECOND)
    trace = aiohttp.TraceConfig()
    limit.attach(trace)
    hold, arrived = asyncio.Event(), asyncio.Event()
    async with (
        counting_server([], hold, arrived) as server,
        aiohttp.ClientSession(trace_configs=[trace]) as session,
    ):
        held = asyncio.create_task(session.get(server.make_url("/held"), headers=BOT))
        try:
            await asyncio.wait_for(arrived.wait(), 15)
            assert limit.counted() == 1
            callback = server.make_url("/interactions/1/tok/callback")
            async with asyncio.timeout(15), session.post(callback) as answered:
                assert answered.status == 200
            assert not held.done() and limit.counted() == 1
        finally:
            hold.set()
            response = await asyncio.wait_for(held, 15)
            response.release()
