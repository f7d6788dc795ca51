"""A burst of scheduled posts through a storm of 5xx answers and 429s: the bot retries what Discord
refused (its own backoff for 503, discord.py's for 429 and 502) and in the end each post has
reached the emulator exactly once and every row is marked sent."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app.pacing import discord_global_wait
from bot.app.post_sender import nonce_of
from bot.db.engine import create_engine
from bot.db.models import Post
from tests.e2e.conftest import StartBot
from tests.emulator import Emulator
from tests.support.clock import FakeClock
from tests.support.post_seeding import Announce, seed_due_posts

DUE = datetime(2027, 3, 1, 12, tzinfo=UTC)
POSTS = 100
SERVERS = 20
MESSAGES = "/channels/*/messages"


async def _states(db_url: str) -> Counter[str]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            states = await conn.scalars(select(Post.state))
            return Counter(str(getattr(s, "value", s)) for s in states)
    finally:
        await engine.dispose()


async def test_after_a_5xx_and_429_storm_each_post_is_delivered_exactly_once(
    emu: Emulator, launch_bot: StartBot, db_url: str
) -> None:
    servers = []
    for n in range(SERVERS):
        guild = emu.state.add_guild(f"Server {n}")
        servers.append(Announce(guild.id, emu.state.add_channel(guild, "launches").id))
    ids = await seed_due_posts(db_url, servers, [DUE] * POSTS)
    clock = FakeClock(DUE - timedelta(minutes=1))
    running = await launch_bot(clock, LAUNCHBOT_POSTS_SWEEP_SECONDS="0.05")
    # the pacer waits while discord.py waits out a global 429, by discord.py's own flag
    assert discord_global_wait(running.bot) is not None
    unavailable = emu.faults.fail_next("POST", MESSAGES, count=40, status=503)
    bad_gateway = emu.faults.fail_next("POST", MESSAGES, count=5, status=502)
    storm = emu.faults.rate_limit_storm("POST", MESSAGES, 1.5)

    clock.now = DUE
    states: Counter[str] = Counter()
    for _ in range(30):  # the bot's retries come 5 s, 10 s, 20 s ... later on its clock
        await asyncio.sleep(0.5)
        states = await _states(db_url)
        if states == Counter(sent=POSTS):
            break
        clock.advance(timedelta(seconds=5))
    assert states == Counter(sent=POSTS)
    await asyncio.sleep(0.3)  # long enough for a duplicate to show up

    assert unavailable.hits == 40 and bad_gateway.hits == 5 and storm.hits > 0
    nonces = Counter(m.nonce for m in emu.message_store.created if m.nonce)
    assert nonces == Counter({nonce_of(i): 1 for i in ids})
