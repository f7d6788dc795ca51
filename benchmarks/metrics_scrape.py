"""What a Prometheus scrape of /metrics (and a probe of /healthz) costs with a million pending
posts: the whole request over HTTP (with the count of every pending post kept, as it is for a
minute), and its parts: the counts of every pending post and of the overdue ones (through
``DeliveryService`` and their SQL on the bare driver), the database ping, and writing the
registry out. p50 / p99 over ``--samples`` requests, in a scratch SQLite file and, with ``--pg``
or ``LAUNCHBOT_TEST_POSTGRES_URL``, a scratch PostgreSQL database.

    python -m benchmarks.metrics_scrape [--pending 1000000] [--servers 500] [--samples 50]
        [--backend sqlite] [--backend postgresql --pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import asyncpg

from benchmarks.common import asyncpg_dsn, percentile, scratch_database, sqlite_path
from benchmarks.posts_pending import seed_pending
from bot.app.health import Health
from bot.app.ops_http import OpsEndpoint
from bot.app.runner import BotApp
from bot.config import load_settings

PENDING_SQL = "SELECT count(*) FROM posts{hint} WHERE state = 'pending'"
OVERDUE_SQL = PENDING_SQL + " AND due_at <= {now}"
COMMANDS = ("about", "launch add", "launch info", "launch upcoming", "poll create", "settings set")


async def _times(call: Callable[[], Awaitable[Any]], samples: int) -> list[float]:
    await call()
    found = []
    for _ in range(samples):
        started = time.perf_counter()
        await call()
        found.append((time.perf_counter() - started) * 1000)
    return found


async def _bare_counts(url: str, samples: int) -> dict[str, list[float]]:
    """The counts' SQL as the bot sends it (on SQLite, through the partial index by name)."""
    sqlite = url.startswith("sqlite")
    hint = " INDEXED BY ix_posts_pending_due" if sqlite else ""
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')" if sqlite else "now()"
    queries = {
        "every pending post: the SQL on the bare driver": PENDING_SQL.format(hint=hint),
        "overdue posts: the SQL on the bare driver": OVERDUE_SQL.format(hint=hint, now=now),
    }
    found: dict[str, list[float]] = {}
    if sqlite:
        db = sqlite3.connect(sqlite_path(url))
        try:
            for name, sql in queries.items():

                async def raw(sql: str = sql) -> None:
                    db.execute(sql).fetchone()

                found[name] = await _times(raw, samples)
        finally:
            db.close()
        return found
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for name, sql in queries.items():
            found[name] = await _times(lambda sql=sql: conn.fetchrow(sql), samples)  # type: ignore[misc]
    finally:
        await conn.close()
    return found


async def measure(url: str, samples: int) -> dict[str, list[float]]:
    settings = load_settings(
        {"LAUNCHBOT_DATABASE_URL": url, "DISCORD_TOKEN": "bench.token.value",
         "LAUNCHBOT_CONFIG": "/dev/null"}
    )  # fmt: skip
    app = BotApp(settings)
    for n, command in enumerate(COMMANDS):  # a registry with figures in it
        for k in range(50):
            app.metrics.interaction(command, (n + k) / 1000)
    deliveries = app.runtime.deliveries
    endpoint = OpsEndpoint(
        Health(app.bot, lambda: False), app.metrics,
        pending=deliveries.pending_in_all_servers, overdue=deliveries.overdue_in_all_servers,
    )  # fmt: skip
    host, port = await endpoint.start("127.0.0.1", 0)
    found: dict[str, list[float]] = {}
    try:
        async with aiohttp.ClientSession() as http:

            async def scrape(path: str) -> None:
                async with http.get(f"http://{host}:{port}{path}") as response:
                    await response.read()

            async def exposition() -> None:
                app.metrics.exposition()

            for name, call in (
                ("GET /metrics (the count of every pending post kept)", lambda: scrape("/metrics")),
                ("GET /healthz (gateway not connected)", lambda: scrape("/healthz")),
                ("every pending post: count (once a minute)", deliveries.pending_in_all_servers),
                ("overdue posts: count (each scrape)", deliveries.overdue_in_all_servers),
                ("database ping", lambda: app.runtime.ping(3.0)),
                ("writing the registry out", exposition),
            ):  # fmt: skip
                found[name] = await _times(call, samples)
        found |= await _bare_counts(url, samples)
    finally:
        await endpoint.stop()
        await app.runtime.close()
    return found


async def run(args: argparse.Namespace) -> None:
    print(f"{args.pending:,} pending posts in {args.servers} servers; {args.samples} samples each")
    print("| backend | what | p50 ms | p99 ms |")
    print("| --- | --- | --- | --- |")
    for backend in args.backend or ["sqlite"]:
        async with scratch_database(backend, args.pg) as url:
            await seed_pending(url, args.pending, args.servers, random.Random(7))
            if backend == "postgresql":  # as autovacuum would leave it, for index-only scans
                conn = await asyncpg.connect(asyncpg_dsn(url))
                try:
                    await conn.execute("VACUUM ANALYZE posts")
                finally:
                    await conn.close()
            for name, times in (await measure(url, args.samples)).items():
                p50, p99 = percentile(times, 50), percentile(times, 99)
                print(f"| {backend} | {name} | {p50:.2f} | {p99:.2f} |", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--pg", help="PostgreSQL server URL (default: $LAUNCHBOT_TEST_POSTGRES_URL)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
