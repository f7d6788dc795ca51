"""What recording a post's outcome costs, through ``DeliveryService.finish``: a post that went
through (freeing the note causes told about its channel: one statement for the first post to a
channel, none after, as the service remembers the channel; and with that step replaced by
nothing, for comparison), and a post Discord refused (planning the note to admins: the first of
a cause inserts it, the rest find it there). p50 / p99 over ``--posts``
posts, ``--rounds`` times each, alternating, in a scratch SQLite file and, with ``--pg`` or
``LAUNCHBOT_TEST_POSTGRES_URL``, a scratch PostgreSQL database.

    python -m benchmarks.post_finish [--posts 2000] [--rounds 3] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import percentile, postgres_server
from bot.config import builtin_guild_defaults
from bot.db import planned_post_rows, post_claim_rows
from bot.db.engine import create_engine, create_session_factory
from bot.domain.admin_note import PostFailure
from bot.domain.records import ClaimedPost, PostPlan
from bot.domain.vocabulary import PostState
from bot.services.deliveries import DeliveryService
from tests.support import databases
from tests.support.clock import FakeClock

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
CHANNEL = 55
REFUSED = PostFailure("reminder", "Phone", CHANNEL, 403, 50013)


async def _nothing(*_: Any, **__: Any) -> None:
    return None


async def _timed(
    url: str, posts: int, record: Callable[[DeliveryService, ClaimedPost], Awaitable[None]]
) -> list[float]:
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    subject = f"bench:{time.perf_counter_ns()}"
    plans = [
        PostPlan(key=f"k{n}", target="channel", kind="reminder", due_at=NOW,
                 expires_at=NOW + timedelta(hours=1))
        for n in range(posts)
    ]  # fmt: skip
    try:
        async with sessions() as session, session.begin():
            await planned_post_rows.insert(session, 1, subject, plans, NOW)
        deliveries = DeliveryService(sessions, FakeClock(NOW), builtin_guild_defaults())
        claimed = await deliveries.claim(timedelta(minutes=10), posts)
        times = []
        for post in claimed:
            started = time.perf_counter()
            await record(deliveries, post)
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        await engine.dispose()


async def _sent(deliveries: DeliveryService, post: ClaimedPost) -> None:
    await deliveries.finish(post, PostState.SENT, channel_id=CHANNEL, message_id=1)


async def _refused(deliveries: DeliveryService, post: ClaimedPost) -> None:
    await deliveries.finish(post, PostState.FAILED, reason="403", refused=REFUSED)


async def _sent_without_freeing(deliveries: DeliveryService, post: ClaimedPost) -> None:
    freeing = post_claim_rows.free_note_causes
    post_claim_rows.free_note_causes = _nothing  # type: ignore[assignment]
    try:
        await _sent(deliveries, post)
    finally:
        post_claim_rows.free_note_causes = freeing  # type: ignore[assignment]


CASES = {
    "sent, without freeing note causes": _sent_without_freeing,
    "sent (frees note causes: first post only)": _sent,
    "refused (plans the note once per cause)": _refused,
}


async def run(args: argparse.Namespace) -> None:
    urls: dict[str, str] = {}
    scratch = Path(tempfile.mkdtemp(prefix="post-finish-"))
    urls["SQLite"] = databases.sqlite_url(scratch / "bench.db")
    await databases.migrate_to_head(urls["SQLite"])
    server = postgres_server(args.pg)
    database = None
    if server is not None:
        database = await databases.create_postgres_database(server, "postfinish")
        urls["PostgreSQL"] = database.render_as_string(hide_password=False)
        await databases.migrate_to_head(urls["PostgreSQL"])
    try:
        print(f"DeliveryService.finish, {args.posts} posts x {args.rounds} rounds (ms)")
        print(f"{'backend':11} {'outcome':40} {'p50':>7} {'p99':>7}")
        for backend, url in urls.items():
            found: dict[str, list[float]] = {case: [] for case in CASES}
            for _ in range(args.rounds):
                for case, record in CASES.items():
                    found[case] += await _timed(url, args.posts, record)
            for case, times in found.items():
                p50, p99 = percentile(times, 50), percentile(times, 99)
                print(f"{backend:11} {case:40} {p50:7.3f} {p99:7.3f}")
    finally:
        if server is not None and database is not None:
            await databases.drop_postgres_database(server, database)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server URL for a scratch database")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
