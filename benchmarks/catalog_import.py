"""How fast a catalog imports, against what the database driver alone can do.

    .venv/bin/python benchmarks/catalog_import.py [--sizes 1000 10000] [--large]
        [--url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] [--no-wait]

For each size N, generates N launches like the bundled catalog's (aliases, notes, 2-4 claims
each), imports them into a fresh database (a temporary SQLite file, or a database created on the
PostgreSQL server of --url and dropped afterwards) and prints launches/s. The raw-driver floor
is measured in the same run: the very rows the import wrote, read back and inserted again with
the driver's own executemany (aiosqlite or asyncpg, no SQLAlchemy) into scratch tables with the
same columns but no indexes or constraints. The ratio is import time over floor time.

On SQLite it also measures how long a bot-style write (one small ORM transaction adding a
brand, from another process, every 20 ms) waits while a 10,000-launch import runs.
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

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db import migrate
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Brand
from bot.domain.catalog import CatalogEntry, parse_catalog
from bot.domain.records import Actor
from bot.services.calendar import CalendarService
from bot.services.catalog_import import import_catalog

GUILD = 1
TABLES = ("brands", "devices", "device_aliases", "launches", "claims", "audit_log")
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


async def timed_import(engine: AsyncEngine, entries: list[CatalogEntry]) -> float:
    calendar = CalendarService(
        create_session_factory(engine), lambda: NOW, builtin_guild_defaults()
    )
    started = time.perf_counter()
    result = await import_catalog(calendar, GUILD, Actor.cli(), entries)
    elapsed = time.perf_counter() - started
    assert result.created == len(entries), result
    return elapsed


async def raw_floor(engine: AsyncEngine, url: str) -> tuple[float, int]:
    """Seconds to insert the import's own rows again with the bare driver, and how many."""
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        total, elapsed = 0, 0.0
        for name in TABLES:
            if engine.dialect.name == "sqlite":
                await raw.execute(f"CREATE TABLE scratch_{name} AS SELECT * FROM {name} WHERE 0")
                rows = list(await raw.execute_fetchall(f"SELECT * FROM {name}"))
                marks = ", ".join("?" * len(rows[0]))
                started = time.perf_counter()
                await raw.executemany(f"INSERT INTO scratch_{name} VALUES ({marks})", rows)
                await raw.commit()
            else:
                await raw.execute(f"CREATE TABLE scratch_{name} (LIKE {name})")
                rows = [tuple(r) for r in await raw.fetch(f"SELECT * FROM {name}")]
                marks = ", ".join(f"${i + 1}" for i in range(len(rows[0])))
                started = time.perf_counter()
                async with raw.transaction():
                    await raw.executemany(f"INSERT INTO scratch_{name} VALUES ({marks})", rows)
            elapsed += time.perf_counter() - started
            total += len(rows)
        await conn.rollback()
    return elapsed, total


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


async def concurrent_wait(count: int) -> None:
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
        f"sqlite: concurrent bot write during a {count:,}-launch import ({elapsed:.2f} s): "
        f"{len(waits)} writes, max wait {waits[-1] * 1000:.0f} ms, "
        f"median {waits[len(waits) // 2] * 1000:.1f} ms, {failures} failed"
    )


async def main(sizes: list[int], server: str | None, wait: bool) -> None:
    backend = "postgresql" if server else "sqlite"
    print(f"{backend}: launches  import s  launches/s  | floor rows  floor s  launches/s | ratio")
    for count in sizes:
        started = time.perf_counter()
        entries = catalog(count)
        parsed = time.perf_counter() - started
        async with fresh_database(server, str(count)) as url:
            engine = create_engine(url)
            await migrate.upgrade(engine)
            elapsed = await timed_import(engine, entries)
            floor, rows = await raw_floor(engine, url)
            await engine.dispose()
        print(
            f"{backend}: {count:>8,}  {elapsed:8.2f}  {count / elapsed:10,.0f}  | "
            f"{rows:>10,}  {floor:7.2f}  {count / floor:10,.0f} | {elapsed / floor:5.2f}x"
            f"   (parsing the file: {parsed:.2f} s)"
        )
    if wait and server is None:
        await concurrent_wait(10_000)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--large", action="store_true", help="add N = 100,000")
    parser.add_argument("--url", help="a PostgreSQL server (its databases are left alone)")
    parser.add_argument("--no-wait", action="store_true", help="skip the concurrent-write run")
    args = parser.parse_args()
    sizes = args.sizes + ([100_000] if args.large else [])
    asyncio.run(main(sizes, args.url, not args.no_wait))
