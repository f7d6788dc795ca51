"""`launchbot db copy`: how fast a whole database moves from SQLite to PostgreSQL and back.

The source is a SQLite file seeded like the other benchmarks' calendars (``--launches`` in the
measured server, a tenth as many in each of three noise servers, with brands, devices, aliases,
claims and audit entries). Each round copies it into a fresh PostgreSQL database with COPY (what
`db copy` does), then with executemany (the comparison, in the same round), then the PostgreSQL
copy back into a fresh SQLite file; and reads and sums the source alone (what the verification
costs at the least). Times include migrating the target, the copy, and summing both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

from benchmarks.common import postgres_server, seed_calendar
from bot.db.database_copy import copy_database, shapes
from bot.db.engine import create_engine
from bot.db.table_checksums import TableSum
from bot.db.table_transfer import read_rows
from tests.support import databases

GUILD = 1000
NOISE = (2000, 3000, 4000)


async def _sum_source(url: str) -> int:
    engine = create_engine(url, create=False)
    rows = 0
    try:
        async with engine.connect() as conn, conn.begin():
            for shape in shapes():
                summed = TableSum(shape.json)
                async for batch in read_rows(conn, shape, 2000):
                    summed.add(batch)
                rows += summed.rows
    finally:
        await engine.dispose()
    return rows


async def _timed(work: Awaitable[object]) -> float:
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


def _line(name: str, seconds: list[float], rows: int) -> str:
    median = statistics.median(seconds)
    return (
        f"{name:34} {median:7.2f} s  ({min(seconds):.2f}-{max(seconds):.2f})  "
        f"{rows / median:10,.0f} rows/s"
    )


async def run(args: argparse.Namespace) -> None:
    server = postgres_server(args.pg)
    if server is None:
        raise SystemExit("needs --pg URL or LAUNCHBOT_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory(prefix="db-copy-") as tmp:
        source = databases.sqlite_url(Path(tmp) / "source.db")
        await databases.migrate_to_head(source)
        await seed_calendar(source, GUILD, args.launches, NOISE)
        rows = await _sum_source(source)
        size = (Path(tmp) / "source.db").stat().st_size / 2**20
        print(f"db copy: {args.launches:,} launches (+3 x {args.launches // 10:,}), {rows:,} rows, "
              f"SQLite file {size:.0f} MiB; {args.rounds} rounds, median (min-max)")  # fmt: skip
        times: dict[str, list[float]] = {
            "sum the source alone": [], "SQLite -> PostgreSQL (COPY)": [],
            "SQLite -> PostgreSQL (executemany)": [], "PostgreSQL -> SQLite": [],
        }  # fmt: skip
        for n in range(args.rounds):
            times["sum the source alone"].append(await _timed(_sum_source(source)))
            for name, pg_copy in (("COPY", True), ("executemany", False)):
                target = await databases.create_postgres_database(server, "bench_copy")
                url = target.render_as_string(hide_password=False)
                try:
                    seconds = await _timed(copy_database(source, url, pg_copy=pg_copy))
                    times[f"SQLite -> PostgreSQL ({name})"].append(seconds)
                    if pg_copy:
                        back = databases.sqlite_url(Path(tmp) / f"back-{n}.db")
                        times["PostgreSQL -> SQLite"].append(await _timed(copy_database(url, back)))
                finally:
                    await databases.drop_postgres_database(server, target)
        for name, seconds in times.items():
            print(_line(name, seconds, rows))
        copy = statistics.median(times["SQLite -> PostgreSQL (COPY)"])
        many = statistics.median(times["SQLite -> PostgreSQL (executemany)"])
        print(f"executemany / COPY: {many / copy:.2f}x the time")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server URL for scratch databases")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
