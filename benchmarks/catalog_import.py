"""How fast a catalog imports, against what the database driver alone can do.

    .venv/bin/python -m benchmarks.catalog_import [--sizes 1000 10000] [--large]
        [--url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] [--no-wait]

For each size N, generates N launches like the bundled catalog's (aliases, notes, 2-4 claims
each), imports them into a fresh database (a temporary SQLite file, or a database created on the
PostgreSQL server of --url and dropped afterwards) and prints launches/s. The raw-driver floor
is measured in the same run: the very rows the import wrote (every table: launches, claims,
audit rows, the launches' scheduled posts...), read back and inserted again with the driver's
own executemany (aiosqlite or asyncpg, no SQLAlchemy) into scratch tables with the same columns
but no indexes or constraints, and into the real tables; on PostgreSQL also with COPY. The ratio
is import time over floor time. "parsing the file" is generating the entries and reading them
as a catalog file is read (``parse_catalog``), outside the import's time. "CPU of this process"
(Python and, on SQLite, the database's own work on the driver's threads) depends less on the
machine's load than the times do.

On SQLite it also prints how long the import held the write lock (from taking it to the end of
its transaction), and measures how long a bot-style write (one small ORM transaction adding a
brand, from another process, every 20 ms) waits while an import of each size runs.
--large adds N = 100,000.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db import catalog_rows, migrate
from bot.db.catalog_staging import Staging
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Base, Brand, Claim
from bot.domain.catalog import CatalogEntry, parse_catalog
from bot.domain.records import Actor
from bot.services.calendar import CalendarService
from bot.services.catalog_import import import_catalog

GUILD = 1
TABLES = tuple(t.name for t in Base.metadata.sorted_tables)
"""Every table, parents before children: the floor re-inserts the rows of those the import
wrote (launches and claims, their audit rows, the launches' scheduled posts...)."""
CLAIM_POINTER = [c.name for c in Claim.__table__.columns].index("superseded_by_id")
NOW = datetime(2030, 1, 1, tzinfo=UTC)
FORMS = ("Q{q} {y}", "H{h} {y}", "{d} March {y}", "late May {y}", "{y}-0{m}-1{d} 19:30", "{y}")
ZONES = ("Asia/Shanghai", "UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York")
STATEMENT = (
    "{author} reports that the {device} launches {date}, citing supply-chain sources and a "
    "leaked poster; the link is a write-up of the original post."
)


def catalog(count: int, seed: int = 7) -> list[CatalogEntry]:
    rnd = random.Random(seed)
    launches = []
    for n in range(count):
        device = f"Phone {n}"

        def date() -> str:
            return rnd.choice(FORMS).format(
                q=rnd.randint(1, 4), h=rnd.randint(1, 2), d=rnd.randint(1, 9),
                m=rnd.randint(1, 9), y=rnd.randint(2026, 2032),
            )  # fmt: skip

        claims: list[dict[str, Any]] = []
        seen = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=rnd.randint(0, 500_000))
        for k in range(rnd.randint(2, 4)):
            author = rnd.choice(("MyDrivers", "Digital Chat Station", "GSMArena", "Xiaomi"))
            claim: dict[str, Any] = {
                "source_kind": rnd.choice(("media", "leaker", "official")),
                "author": author,
                "source_url": f"https://news.example.com/{n}/{k}",
                "seen_at": (seen + timedelta(hours=k * rnd.randint(1, 300))).isoformat(),
            }
            if k == 0 or rnd.random() < 0.7:
                claim |= {"about": "date", "date": date()}
                claim["statement"] = STATEMENT.format(
                    author=author, device=device, date=claim["date"]
                )
            else:
                claim |= {"about": "feature", "feature": rnd.choice(("Leica cameras", "5G")),
                          "present": rnd.choice(("yes", "no", "unclear")),
                          "statement": f"{author} on the {device}'s cameras."}  # fmt: skip
            claims.append(claim)
        entry: dict[str, Any] = {
            "device": device,
            "brand": f"Brand {n % 40}",
            "series": n % 5 == 0,
            "aliases": [f"{device} Pro", f"{device}X"][: rnd.randint(0, 2)],
            "region": rnd.choice(("Global", "China", "India", "Europe")),
            "status": rnd.choice(("rumored", "teased", "launched", "postponed")),
            "date": date(),
            "timezone": rnd.choice(ZONES),
            "confidence": rnd.randint(0, 100),
            "note": f"{device}: launch of the series, with its software update." * (n % 2),
            "claim": claims,
        }
        launches.append(entry)
    return parse_catalog({"format": 1, "launch": launches})


@asynccontextmanager
async def fresh_database(server: str | None, label: str) -> AsyncIterator[str]:
    if server is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        return
    url = make_url(server)
    name = f"launchbot_bench_{os.getpid()}_{label}"
    admin = await asyncpg.connect(_dsn(server))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class LockWatch:
    """SQLite: when the import last took the write lock, and when its transaction had ended
    (the staging tables are dropped right after)."""

    def __init__(self) -> None:
        self.taken = self.ended = 0.0
        lock, close = catalog_rows.write_lock, Staging.close

        async def write_lock(*args: Any) -> bool:
            unchanged = await lock(*args)
            self.taken = time.perf_counter()
            return unchanged

        async def closing(staging: Staging) -> None:
            self.ended = time.perf_counter()
            await close(staging)

        catalog_rows.write_lock = write_lock  # type: ignore[assignment]
        Staging.close = closing  # type: ignore[method-assign]

    def held(self) -> float:
        return self.ended - self.taken


async def timed_import(engine: AsyncEngine, entries: list[CatalogEntry]) -> float:
    calendar = CalendarService(
        create_session_factory(engine), lambda: NOW, builtin_guild_defaults()
    )
    started = time.perf_counter()
    result = await import_catalog(calendar, GUILD, Actor.cli(), entries)
    elapsed = time.perf_counter() - started
    assert result.created == len(entries), result
    return elapsed


async def raw_floor(url: str) -> tuple[float, float, float | None, int]:
    """Seconds to insert the import's own rows again with the bare driver (aiosqlite or asyncpg,
    no SQLAlchemy, one executemany per table): into scratch tables with the same columns but no
    index or constraint, and into the real tables, emptied first; on PostgreSQL also with one
    COPY per table into the real tables. And how many rows."""
    sqlite = url.startswith("sqlite")
    if sqlite:
        raw: Any = await aiosqlite.connect(make_url(url).database or "")
        await raw.execute("PRAGMA foreign_keys=ON")
        await raw.execute("PRAGMA synchronous=NORMAL")
        fetch = raw.execute_fetchall
    else:
        raw = await asyncpg.connect(_dsn(url))
        fetch = raw.fetch
    every = {name: [tuple(r) for r in await fetch(f"SELECT * FROM {name}")] for name in TABLES}
    rows = {name: found for name, found in every.items() if found}
    written = list(rows)
    # superseding claims first, as the importer writes them, so that every pointer exists
    rows["claims"].sort(key=lambda r: r[CLAIM_POINTER] is not None)

    async def insert_all(prefix: str) -> float:
        started = time.perf_counter()
        if sqlite:
            for name in written:
                marks = ", ".join("?" * len(rows[name][0]))
                await raw.executemany(f"INSERT INTO {prefix}{name} VALUES ({marks})", rows[name])
            await raw.commit()
        else:
            async with raw.transaction():
                for name in written:
                    marks = ", ".join(f"${i + 1}" for i in range(len(rows[name][0])))
                    await raw.executemany(
                        f"INSERT INTO {prefix}{name} VALUES ({marks})", rows[name]
                    )
        return time.perf_counter() - started

    for name in written:
        like = f"AS SELECT * FROM {name} WHERE 0" if sqlite else f"(LIKE {name})"
        await raw.execute(f"CREATE TABLE scratch_{name} {like}")
    if sqlite:
        await raw.commit()
    bare = await insert_all("scratch_")
    if sqlite:  # without the foreign keys: claims.superseded_by_id has no index to check them
        await raw.execute("PRAGMA foreign_keys=OFF")
        for name in reversed(written):
            await raw.execute(f"DELETE FROM {name}")
        await raw.commit()
        await raw.execute("PRAGMA foreign_keys=ON")
    else:  # every table at once, so that no foreign key stands in the way
        await raw.execute(f"TRUNCATE {', '.join(TABLES)}")
    real = await insert_all("")
    copied = None
    if not sqlite:
        await raw.execute(f"TRUNCATE {', '.join(TABLES)}")
        started = time.perf_counter()
        async with raw.transaction():
            for name in written:
                await raw.copy_records_to_table(name, records=rows[name])
        copied = time.perf_counter() - started
    await raw.close()
    return bare, real, copied, sum(len(r) for r in rows.values())


def _writer(url: str, stop: Any, results: Any) -> None:
    """Another process: a bot-style write every 20 ms, each timed, until told to stop."""

    async def run() -> None:
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        waits, failures, n = [], 0, 0
        while not stop.is_set():
            n += 1
            started = time.perf_counter()
            try:
                async with sessions() as session, session.begin():
                    session.add(Brand(guild_id=99, name=f"Bot {n}", name_key=f"bot {n}"))
                waits.append(time.perf_counter() - started)
            except Exception:  # counted and reported
                failures += 1
            await asyncio.sleep(0.02)
        await engine.dispose()
        results.put((waits, failures))

    asyncio.run(run())


async def concurrent_wait(count: int, lock: LockWatch) -> None:
    entries = catalog(count)
    async with fresh_database(None, "wait") as url:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        context = multiprocessing.get_context("spawn")
        stop, results = context.Event(), context.Queue()
        writer = context.Process(target=_writer, args=(url, stop, results))
        writer.start()
        await asyncio.sleep(2)  # the writer's interpreter starts
        elapsed = await timed_import(engine, entries)
        stop.set()
        waits, failures = results.get(timeout=60)
        writer.join()
        await engine.dispose()
    waits.sort()
    print(
        f"sqlite: concurrent bot write during a {count:,}-launch import ({elapsed:.2f} s, write "
        f"lock held {lock.held():.2f} s): {len(waits)} writes, max wait "
        f"{waits[-1] * 1000:.0f} ms, median {waits[len(waits) // 2] * 1000:.1f} ms, "
        f"{failures} failed"
    )


async def main(sizes: list[int], server: str | None, wait: bool) -> None:
    backend = "postgresql" if server else "sqlite"
    lock = LockWatch()
    async with fresh_database(server, "warmup") as url:  # the process's one-time costs
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await timed_import(engine, catalog(200))
        await engine.dispose()
    for count in sizes:
        started = time.perf_counter()
        entries = catalog(count)
        parsed = time.perf_counter() - started
        async with fresh_database(server, str(count)) as url:
            engine = create_engine(url)
            await migrate.upgrade(engine)
            cpu = time.process_time()
            elapsed = await timed_import(engine, entries)
            cpu = time.process_time() - cpu
            await engine.dispose()
            bare, real, copied, rows = await raw_floor(url)
        print(
            f"{backend}: {count:>8,} launches ({rows:,} rows)  import {elapsed:6.2f} s = "
            f"{count / elapsed:6,.0f}/s (CPU of this process {cpu:5.2f} s) | floor, scratch "
            f"tables {bare:5.2f} s = "
            f"{count / bare:6,.0f}/s, ratio {elapsed / bare:4.1f} | floor, real tables "
            f"{real:5.2f} s = {count / real:6,.0f}/s, ratio {elapsed / real:4.1f} "
            f"| parsing the file {parsed:.2f} s"
            + (f" | write lock held {lock.held():.2f} s" if server is None else "")
            + (
                f" | floor, COPY into real tables {copied:5.2f} s = {count / copied:6,.0f}/s, "
                f"ratio {elapsed / copied:4.1f}"
                if copied
                else ""
            )
        )
    if wait and server is None:
        for count in sizes:
            await concurrent_wait(count, lock)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--large", action="store_true", help="add N = 100,000")
    parser.add_argument("--url", help="a PostgreSQL server (its databases are left alone)")
    parser.add_argument("--no-wait", action="store_true", help="skip the concurrent-write runs")
    args = parser.parse_args()
    sizes = args.sizes + ([100_000] if args.large else [])
    asyncio.run(main(sizes, args.url, not args.no_wait))
