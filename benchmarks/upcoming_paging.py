"""How long /launch upcoming's query takes with many launches in one server (and noise in others).

    .venv/bin/python benchmarks/upcoming_paging.py [--launches 20000] [--url postgresql+asyncpg://...]

Seeds the database through the real catalog importer, then times the first page, a deep page
and an autocomplete search, each the median of 20 runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import builtin_guild_defaults
from bot.db import migrate
from bot.db.engine import create_engine, create_session_factory
from bot.domain.catalog import parse_catalog
from bot.domain.records import Actor
from bot.services.calendar import CalendarService
from bot.services.catalog_import import import_catalog

GUILD, OTHER = 1, 2


def _catalog(count: int) -> list[Any]:
    forms = [
        "Q{q} {y}",
        "H{h} {y}",
        "{d} March {y}",
        "late May {y}",
        "{y}-0{m}-1{d} 19:30 Asia/Shanghai",
    ]
    launches = []
    for n in range(count):
        form = forms[n % len(forms)]
        date = form.format(q=n % 4 + 1, h=n % 2 + 1, d=n % 9 + 1, m=n % 9 + 1, y=2030 + n % 7)
        launches.append({"device": f"Phone {n}", "brand": f"Brand {n % 40}", "date": date})
    return parse_catalog({"format": 1, "launch": launches})


async def _median_ms(work: Callable[[], Awaitable[object]], runs: int = 20) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def main(count: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine(url)
        await migrate.upgrade(engine)
        calendar = CalendarService(
            create_session_factory(engine),
            lambda: datetime(2029, 1, 1, tzinfo=UTC),
            builtin_guild_defaults(),
        )
        started = time.perf_counter()
        await import_catalog(calendar, GUILD, Actor.cli(), _catalog(count))
        await import_catalog(calendar, OTHER, Actor.cli(), _catalog(count // 4))
        seeded = time.perf_counter() - started
        first = await _median_ms(lambda: calendar.upcoming(GUILD, limit=10))
        deep = await _median_ms(lambda: calendar.upcoming(GUILD, offset=count - 20, limit=10))
        search = await _median_ms(lambda: calendar.search(GUILD, "phone 12"))
        print(f"backend={engine.dialect.name} launches={count} (+{count // 4} in another server)")
        print(f"seed (catalog import): {seeded:.1f} s")
        print(f"upcoming, first page:  {first:.2f} ms")
        print(f"upcoming, last page:   {deep:.2f} ms")
        print(f"autocomplete search:   {search:.2f} ms")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--launches", type=int, default=2000)
    parser.add_argument("--url")
    args = parser.parse_args()
    asyncio.run(main(args.launches, args.url))
