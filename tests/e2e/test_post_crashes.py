"""Scheduled posts survive a bot killed with SIGKILL mid-burst: a real `launchbot run` process is
killed at random moments while it sends 2,000 due posts and started again each time; in the end
every post has reached the emulator exactly once (the emulator drops a repeated nonce, as Discord
does) and every row is marked sent with its message's id."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app.post_sender import nonce_of
from bot.db.engine import create_engine
from bot.db.models import Post
from tests.e2e.test_process import BotProcess, spawn
from tests.emulator import Emulator
from tests.support.post_seeding import Announce, seed_due_posts

POSTS = 2000
SERVERS = 200
KILLS = 10
LEASE = {"LAUNCHBOT_POSTS_LEASE_SECONDS": "5"}
"""Short, so a post claimed by a killed process is taken up again within the test's time."""


def _servers(emu: Emulator, count: int) -> list[Announce]:
    servers = []
    for n in range(count):
        guild = emu.state.add_guild(f"Server {n}")
        servers.append(Announce(guild.id, emu.state.add_channel(guild, "launches").id))
    return servers


def _post_messages(emu: Emulator) -> list[tuple[str, int]]:
    return [
        (m.nonce, m.id)
        for m in emu.message_store.created
        if m.nonce is not None and m.nonce.startswith("lbp")
    ]


async def _rows(db_url: str) -> list[tuple[int, str, int | None]]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(Post.id, Post.state, Post.message_id))
            return [(i, str(getattr(s, "value", s)), m) for i, s, m in rows]
    finally:
        await engine.dispose()


async def _all_sent(db_url: str) -> None:
    async with asyncio.timeout(120):
        states: set[str] = set()
        while states != {"sent"}:
            await asyncio.sleep(0.5)
            states = {state for _, state, _ in await _rows(db_url)}


async def _kill_at_a_random_moment(emu: Emulator, bot: BotProcess, rng: random.Random) -> None:
    """Half the kills come any time after the start (start-up included); the other half once a
    random number of posts more have arrived, so they land in the middle of the burst."""
    if rng.random() < 0.5:
        await asyncio.sleep(rng.uniform(0.1, 3.0))
    else:
        target = min(len(_post_messages(emu)) + rng.randint(1, 150), POSTS)
        await emu.message_store.notifier.wait_for(
            lambda: True if len(_post_messages(emu)) >= target else None,
            30,
            lambda: f"{target} posts did not arrive in 30 s",
        )
    bot.process.kill()
    await bot.wait_exit(timeout=10)


async def test_every_post_arrives_exactly_once_through_repeated_kill_9(
    emu: Emulator, db_url: str
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    servers = _servers(emu, SERVERS)
    now = datetime.now(UTC)
    due = [now - timedelta(seconds=1) + timedelta(milliseconds=n) for n in range(POSTS)]
    ids = await seed_due_posts(db_url, servers, due)

    for _ in range(KILLS):
        bot = await spawn(emu, db_url, **LEASE)
        await _kill_at_a_random_moment(emu, bot, rng)
    sent_before_the_last_start = len(_post_messages(emu))
    bot = await spawn(emu, db_url, **LEASE)
    await _all_sent(db_url)
    bot.process.terminate()
    assert await bot.wait_exit(timeout=15) == 0

    messages = _post_messages(emu)
    counts = Counter(nonce for nonce, _ in messages)
    assert sorted(counts) == sorted(nonce_of(i) for i in ids), f"seed {seed}"
    assert set(counts.values()) == {1}, f"seed {seed}: {counts.most_common(3)}"
    message_of = dict(messages)
    rows = await _rows(db_url)
    assert [(i, m) for i, _, m in rows] == [(i, message_of[nonce_of(i)]) for i, _, _ in rows]
    assert sent_before_the_last_start < POSTS, "the kills must come during the burst"
