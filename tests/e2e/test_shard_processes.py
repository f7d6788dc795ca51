"""Three `launchbot run` processes as the three shards of one bot, on one PostgreSQL database:
20,000 posts due at once in 300 servers each go out exactly once, each sent by the process that
owns its server's shard, and when one process is killed with SIGKILL mid-burst and started again,
its servers' posts still go out exactly once.

Who sent a post is observed at the send itself: each process is given its own address of the
emulator (``Emulator.another_address``: the same emulator on one more port, as each process
might have its own REST proxy), and the emulator records the port every request came in on. So
every request that carried a post's nonce (the first send and any repeat after the kill) is
traced to its process, which a row's claimant could not show (it says who claimed a post, not
who sent it, and would need a column kept only for this test).

The emulator's global limit and the processes' pace are raised so the burst takes a minute or
two; each server's one announce channel still takes its posts at Discord's 5 per 5 s. Every wait
is on an observable condition with minutes to spare; nothing is timed."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app.post_sender import nonce_of
from bot.db.engine import create_engine
from bot.db.models import Post
from bot.domain.shards import shard_of
from bot.domain.vocabulary import PostState
from tests.e2e.harness import TOKEN
from tests.e2e.test_process import BotProcess, spawn
from tests.emulator import Emulator, MessageRecord
from tests.support.post_seeding import Announce, seed_due_posts

SHARDS = 3
SERVERS = 300
POSTS = 20_000
KILLED = 1
"""The shard whose process is killed mid-burst and started again."""
SETTINGS = {
    "LAUNCHBOT_DISCORD_REQUESTS_PER_SECOND": "400",
    "LAUNCHBOT_POSTS_LEASE_SECONDS": "5",  # a killed process's posts are taken up again soon
    "LAUNCHBOT_DATABASE_POOL_SIZE": "4",  # three processes beside other tests' connections
}
BURST_TIMEOUT = 1800.0


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(TOKEN, global_rate_limit=(5000, 1.0)) as emulator:
        yield emulator


class Progress:
    """Post messages arrived so far, per shard of their server (read incrementally)."""

    def __init__(self, emu: Emulator) -> None:
        self._emu = emu
        self._seen = 0
        self.by_shard: Counter[int] = Counter()

    def update(self) -> None:
        created = self._emu.message_store.created
        for message in created[self._seen :]:
            if _is_post(message) and message.guild_id is not None:
                self.by_shard[shard_of(message.guild_id, SHARDS)] += 1
        self._seen = len(created)

    async def until(self, shard: int, count: int, bots: list[BotProcess]) -> None:
        async with asyncio.timeout(BURST_TIMEOUT):
            while True:
                self.update()
                if self.by_shard[shard] >= count:
                    return
                _all_running(bots)
                await asyncio.sleep(0.2)


def _is_post(message: MessageRecord) -> bool:
    return message.nonce is not None and message.nonce.startswith("lbp")


def _all_running(bots: list[BotProcess]) -> None:
    for bot in bots:
        if bot.process.returncode is not None:
            raise AssertionError("a bot process exited:\n" + "\n".join(bot.lines[-20:]))


async def _unsent(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                select(func.count()).select_from(Post).where(Post.state != PostState.SENT)
            )
            return int(count or 0)
    finally:
        await engine.dispose()


async def _all_sent(db_url: str, bots: list[BotProcess]) -> None:
    async with asyncio.timeout(BURST_TIMEOUT):
        while await _unsent(db_url):
            _all_running(bots)
            await asyncio.sleep(1.0)


async def _rows(db_url: str) -> dict[int, int | None]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            return dict((await conn.execute(select(Post.id, Post.message_id))).all())
    finally:
        await engine.dispose()


async def _start(emu: Emulator, db_url: str, shard: int, address: str) -> BotProcess:
    return await spawn(
        emu, db_url, args=["--shard-count", str(SHARDS), "--shards", str(shard)],
        LAUNCHBOT_DISCORD_API_BASE=address, **SETTINGS,
    )  # fmt: skip


def _port(address: str) -> int:
    return int(address.split(":")[2].split("/")[0])


async def test_three_shard_processes_send_each_post_once_from_its_owner_through_a_kill_9(
    emu: Emulator, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several bot processes share a PostgreSQL database (SQLite refuses them)")
    servers = []
    for n in range(SERVERS):
        guild = emu.state.add_guild(f"Server {n}", shard=(n % SHARDS, SHARDS))
        servers.append(Announce(guild.id, emu.state.add_channel(guild, "launches").id))
    now = datetime.now(UTC)
    due = [now - timedelta(seconds=30) + timedelta(milliseconds=n) for n in range(POSTS)]
    ids = await seed_due_posts(db_url, servers, due)
    addresses = [await emu.another_address() for _ in range(SHARDS)]
    process_of_port = {_port(address): shard for shard, address in enumerate(addresses)}
    owned = Counter(shard_of(servers[n % SERVERS].guild_id, SHARDS) for n in range(POSTS))

    bots: list[BotProcess] = []
    try:
        for shard, address in enumerate(addresses):
            bots.append(await _start(emu, db_url, shard, address))
        progress = Progress(emu)
        await progress.until(KILLED, owned[KILLED] // 3, bots)
        bots[KILLED].process.kill()
        await bots[KILLED].wait_exit(timeout=30)
        killed_at = emu.request_cursor()
        progress.update()
        sent_before_the_kill = progress.by_shard[KILLED]
        bots[KILLED] = await _start(emu, db_url, KILLED, addresses[KILLED])
        await _all_sent(db_url, bots)
        for bot in bots:
            bot.process.terminate()
        for bot in bots:
            assert await bot.wait_exit(timeout=30) == 0, bot.lines[-20:]
    finally:
        for bot in bots:
            if bot.process.returncode is None:
                bot.process.kill()
                await bot.wait_exit(timeout=30)

    posts = [m for m in emu.message_store.created if _is_post(m)]
    counts = Counter(m.nonce for m in posts)
    assert sorted(counts) == sorted(nonce_of(i) for i in ids)
    assert set(counts.values()) == {1}, counts.most_common(3)
    rows = await _rows(db_url)
    assert {nonce_of(i): m for i, m in rows.items()} == {m.nonce: m.id for m in posts}

    guild_of = {m.nonce: m.guild_id for m in posts}
    senders: dict[str, set[int]] = defaultdict(set)
    for request in emu.requests_matching("POST", "/channels/{channel_id}/messages"):
        nonce = (request.json or {}).get("nonce", "")
        if nonce.startswith("lbp"):
            assert request.port in process_of_port, request.port
            senders[nonce].add(process_of_port[request.port])
    owners = {nonce: {shard_of(guild, SHARDS)} for nonce, guild in guild_of.items()}
    assert senders == owners  # every send of every post, from its server's shard's process

    from_killed = [
        r.index
        for r in emu.requests_matching("POST", "/channels/{channel_id}/messages")
        if r.port == _port(addresses[KILLED])
    ]
    assert 0 < sent_before_the_kill < owned[KILLED], "the kill must come during the burst"
    assert any(i >= killed_at for i in from_killed), "the restarted process sent the rest"
