"""Scheduled DMs to more members than discord.py remembers DM channels for (128): the bot opens
each member's DM channel once, however many posts go to the member, and each post arrives once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, update

from bot.app.post_sender import nonce_of
from bot.db.engine import create_engine
from bot.db.models import Post
from bot.domain.subscriptions import user_target
from tests.e2e.conftest import StartBot
from tests.emulator import Emulator
from tests.support.clock import FakeClock
from tests.support.post_seeding import Announce, seed_due_posts

DUE = datetime(2027, 3, 1, 12, tzinfo=UTC)
SERVERS = 10
MEMBERS = 15
"""Per server: 150 members in all."""
ROUNDS = 2
"""Posts per member, the first to every member before the second to any."""


async def _to_members(db_url: str, ids: list[int], members: list[list[int]]) -> None:
    """The n-th post (in server ``n % SERVERS``, as seeded) goes to one of its server's members."""
    moves = [
        {"post_id": post_id, "target": user_target(members[n % SERVERS][n // SERVERS % MEMBERS])}
        for n, post_id in enumerate(ids)
    ]
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(Post)
                .where(Post.id == bindparam("post_id"))
                .values(target=bindparam("target"))
                .execution_options(synchronize_session=False),
                moves,
            )
    finally:
        await engine.dispose()


async def test_each_members_dm_channel_is_opened_once_and_each_post_arrives_once(
    emu: Emulator, launch_bot: StartBot, db_url: str
) -> None:
    servers, members = [], []
    for s in range(SERVERS):
        guild = emu.state.add_guild(f"Server {s}")
        servers.append(Announce(guild.id, emu.state.add_channel(guild, "launches").id))
        members.append(
            [emu.state.add_member(guild, f"member-{s}-{m}").user.id for m in range(MEMBERS)]
        )
    count = SERVERS * MEMBERS * ROUNDS
    due = [DUE + timedelta(microseconds=n // (SERVERS * MEMBERS)) for n in range(count)]
    ids = await seed_due_posts(db_url, servers, due)
    await _to_members(db_url, ids, members)
    clock = FakeClock(DUE - timedelta(minutes=1))
    await launch_bot(clock, LAUNCHBOT_POSTS_SWEEP_SECONDS="0.05")
    opened = emu.request_cursor()

    clock.now = DUE + timedelta(seconds=1)
    await emu.message_store.notifier.wait_for(
        lambda: True if len(emu.message_store.created) >= count else None,
        60,
        lambda: f"{len(emu.message_store.created)} of {count} DMs arrived within 60 s",
    )

    nonces = Counter(m.nonce for m in emu.message_store.created if m.nonce)
    assert nonces == Counter({nonce_of(i): 1 for i in ids})
    receivers = Counter(
        user.id
        for m in emu.message_store.created
        if (channel := emu.state.channel(m.channel_id)) is not None
        for user in channel.recipients
    )
    assert receivers == Counter({u: ROUNDS for server in members for u in server})
    dm_opens = emu.requests_matching("POST", "/users/@me/channels", since=opened, status=200)
    assert sorted(int(r.json["recipient_id"]) for r in dm_opens) == sorted(
        u for server in members for u in server
    )
