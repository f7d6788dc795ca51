"""A process that runs some of the bot's shards sees only its own servers' posts: its look at the
earliest due post and its claims skip the others' servers (so it neither wakes up for them nor
sends them), and the start-up checks plan digests and launch posts only for its servers. A
process that runs every shard sees every server, as an unsharded one does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import due_post_rows, planned_post_rows, post_claim_rows
from bot.db.engine import create_session_factory
from bot.db.models import Post
from bot.domain.guild_settings import GuildDefaults
from bot.domain.inputs import SettingsChange
from bot.domain.records import Actor, PostPlan
from bot.domain.shards import ShardSpan, shard_of
from bot.domain.vocabulary import PostState
from bot.services.deliveries import DeliveryService
from bot.services.settings import SettingsService
from tests.support.clock import FakeClock
from tests.support.post_seeding import Announce, seed_due_posts

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
LEASE = timedelta(minutes=2)
COUNT = 3
DEFAULTS = GuildDefaults.from_strings("UTC", "1d", "mon", "09:00")


def guild_on(shard: int, n: int = 0) -> int:
    """A server id on ``shard`` of ``COUNT``: Discord's rule reads the id's timestamp part."""
    guild_id = (3_000_000_000 + COUNT * n + shard) << 22 | 4321
    assert shard_of(guild_id, COUNT) == shard
    return guild_id


def _plan(key: str, due: datetime) -> PostPlan:
    return PostPlan(key=key, target="channel", kind="launch", due_at=due,
                    expires_at=due + timedelta(hours=1), launch_id=None)  # fmt: skip


async def _insert(engine: AsyncEngine, guild_id: int, *plans: PostPlan) -> None:
    async with create_session_factory(engine)() as session, session.begin():
        await planned_post_rows.insert(session, guild_id, "test", list(plans), NOW)


async def _look(
    engine: AsyncEngine, shards: ShardSpan | None, after: datetime | None = None
) -> datetime | None:
    """The dispatcher's look, checked against the ORM query's answer."""
    looked = await due_post_rows.look_at_earliest_due(engine, after, shards)
    async with create_session_factory(engine)() as session:
        assert looked == await due_post_rows.earliest_due(session, after, shards)
    return looked


async def _claim(engine: AsyncEngine, shards: ShardSpan | None, now: datetime) -> list[int]:
    async with create_session_factory(engine)() as session, session.begin():
        claimed = await post_claim_rows.claim_due(session, now, LEASE, 100, shards, per_guild=5)
    return [post.guild_id for post in claimed]


async def test_the_look_and_the_claims_see_only_the_servers_of_the_process_s_shards(
    engine: AsyncEngine,
) -> None:
    first, middle, last = ShardSpan(COUNT, 0, 0), ShardSpan(COUNT, 1, 1), ShardSpan(COUNT, 2, 2)
    await _insert(engine, guild_on(0), _plan("a", NOW - timedelta(minutes=3)))
    await _insert(engine, guild_on(1), _plan("b", NOW - timedelta(minutes=2)))
    await _insert(engine, guild_on(2, 5), _plan("c", NOW + timedelta(minutes=4)))
    await _insert(engine, guild_on(0, 7), _plan("d", NOW + timedelta(minutes=9)))

    assert await _look(engine, None) == NOW - timedelta(minutes=3)
    assert await _look(engine, ShardSpan.all_of(COUNT)) == NOW - timedelta(minutes=3)
    assert await _look(engine, first) == NOW - timedelta(minutes=3)
    assert await _look(engine, middle) == NOW - timedelta(minutes=2)
    assert await _look(engine, last) == NOW + timedelta(minutes=4)
    assert await _look(engine, ShardSpan(COUNT, 1, 2)) == NOW - timedelta(minutes=2)
    assert await _look(engine, first, NOW) == NOW + timedelta(minutes=9)
    assert await _look(engine, last, NOW + timedelta(minutes=4)) is None

    assert await _claim(engine, last, NOW) == []  # its one post is not due yet
    assert await _claim(engine, first, NOW) == [guild_on(0)]
    assert await _claim(engine, first, NOW) == []  # the middle shard's post is not its own
    # The first shard's lease is its own business: the middle shard looks past it.
    assert await _look(engine, middle) == NOW - timedelta(minutes=2)
    assert await _look(engine, first, NOW) == NOW + LEASE
    assert await _claim(engine, middle, NOW) == [guild_on(1)]
    # Both processes died with their posts in hand: when the leases run out, each post is
    # taken up again by a process running its shard only (a redeployed one, say).
    assert await _claim(engine, middle, NOW + LEASE) == [guild_on(1)]
    assert await _claim(engine, last, NOW + 2 * LEASE) == [guild_on(2, 5)]
    assert await _claim(engine, ShardSpan(COUNT, 0, 1), NOW + LEASE) == [guild_on(0)]


async def test_a_process_running_every_shard_claims_every_server_s_posts(
    engine: AsyncEngine,
) -> None:
    servers = [guild_on(shard, n) for shard in range(COUNT) for n in range(4)]
    for number, guild_id in enumerate(servers):
        await _insert(engine, guild_id, _plan("p", NOW - timedelta(seconds=number)))
    assert sorted(await _claim(engine, ShardSpan.all_of(COUNT), NOW)) == sorted(servers)


async def test_the_start_up_checks_plan_only_the_process_s_own_servers(
    engine: AsyncEngine, db_url: str
) -> None:
    """Digests missing for servers of every shard, and launches with no posts at all: a process
    running the middle shard plans those of its servers alone."""
    clock = FakeClock(datetime.now(UTC))
    sessions = create_session_factory(engine)
    settings = SettingsService(sessions, clock, DEFAULTS)
    with_digests = [guild_on(shard, n) for shard in range(COUNT) for n in range(2)]
    for guild_id in with_digests:
        await settings.update(guild_id, Actor(9, "admin"), SettingsChange(announce_channel_id=5))
    with_launches = [guild_on(0, 10), guild_on(1, 10), guild_on(1, 11)]
    due = clock() + timedelta(days=3)
    await seed_due_posts(db_url, [Announce(g, 77) for g in with_launches], [due] * 3)
    async with sessions() as session, session.begin():
        await session.execute(delete(Post))  # no digest planned, no launch post planned

    middle = DeliveryService(sessions, clock, DEFAULTS, shards=ShardSpan(COUNT, 1, 1))
    assert await middle.digests.plan_missing() is not None
    assert await middle.plan_unplanned_launches() == due
    assert await _planned(engine) == (
        {g for g in with_digests if shard_of(g, COUNT) == 1},
        {guild_on(1, 10), guild_on(1, 11)},
    )

    everyone = DeliveryService(sessions, clock, DEFAULTS)
    await everyone.digests.plan_missing()
    await everyone.plan_unplanned_launches()
    assert await _planned(engine) == (set(with_digests), set(with_launches))


async def _planned(engine: AsyncEngine) -> tuple[set[int], set[int]]:
    """The servers with a digest planned, and those with launch posts planned."""
    async with engine.connect() as conn:
        planned = (await conn.execute(select(Post.guild_id, Post.subject))).all()
    digests = {g for g, subject in planned if subject == "digest"}
    return digests, {g for g, subject in planned if subject.startswith("launch:")}


async def test_others_posts_ahead_cost_a_bounded_read_and_never_a_late_wake_up(
    engine: AsyncEngine,
) -> None:
    """More of the others' posts ahead than the look reads: it answers when to look again, no
    later than the process's own first post, and finds that post once the others' are gone."""
    middle = ShardSpan(COUNT, 1, 1)
    others = [
        _plan(f"o{n}", NOW + timedelta(seconds=n)) for n in range(due_post_rows.LOOK_AHEAD + 50)
    ]
    await _insert(engine, guild_on(0), *others[::2])
    await _insert(engine, guild_on(2), *others[1::2])
    own = NOW + timedelta(hours=1)
    await _insert(engine, guild_on(1), _plan("mine", own))
    again = await _look(engine, middle)
    assert again == NOW + timedelta(seconds=due_post_rows.LOOK_AHEAD - 1)
    assert await _look(engine, middle, again) == own  # the posts after it: 50 others', then its
    assert await _look(engine, ShardSpan(COUNT, 0, 0)) == NOW
    assert await _look(engine, None) == NOW
    async with create_session_factory(engine)() as session, session.begin():
        await session.execute(update(Post).where(Post.key.like("o%")).values(state=PostState.SENT))
    assert await _look(engine, middle) == own
    assert await _look(engine, ShardSpan(COUNT, 0, 0)) is None
