"""The launch autocomplete's search on a server of 100,000 launches, through CalendarService:
the search as it is (names that start with the text read through the devices' index first)
against the single substring scan it replaced, side by side in one run, alternating, with a
check that both return the same launches in the same order.

    python -m benchmarks.launch_search [--backend sqlite] [--backend postgresql --pg URL]

100 searches typed as the first 10 characters of a random device's name ("Phone 0123"), then
three the index cannot serve alone: text inside names ("0123"), a brand ("brand 07"), and two
letters every name starts with ("ph").
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.db.launch_queries as q
from benchmarks.common import BACKENDS, percentile, scratch_database, seed_guild, vacuum_analyze
from bot.config import builtin_guild_defaults
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import DeviceAlias
from bot.domain.clock import utc_now
from bot.services.calendar import CalendarService

GUILD, LAUNCHES = 7, 100_000


async def substring_scan(
    session: AsyncSession, guild_id: int, text: str, limit: int
) -> Sequence[Row[Any]]:
    """The search before: one query, every name, alias and brand containing the text."""
    key = q._escape_like(q.name_key(text))
    pattern = f"%{key}%"
    alias_match = (
        select(DeviceAlias.device_id)
        .where(DeviceAlias.guild_id == guild_id, DeviceAlias.alias_key.like(pattern, escape="\\"))
        .scalar_subquery()
    )
    query = q.listing().where(
        or_(
            q.DEVICES.name_key.like(pattern, escape="\\"),
            q.BRANDS.name_key.like(pattern, escape="\\"),
            q.DEVICES.id.in_(alias_match),
        )
    )
    starts = q.DEVICES.name_key.like(f"{key}%", escape="\\")
    query = query.order_by(starts.desc(), q.DEVICES.name_key, q.LAUNCHES.id).limit(limit)
    return (await session.execute(query, {"g": guild_id})).all()


async def bench(backend: str, pg: str | None) -> None:
    now = q.search_rows
    designs = {"index first (now)": now, "substring scan (before)": substring_scan}
    async with scratch_database(backend, pg) as url:
        await seed_guild(url, GUILD, LAUNCHES)
        await vacuum_analyze(url)
        engine = create_engine(url)
        try:
            calendar = CalendarService(
                create_session_factory(engine), utc_now, builtin_guild_defaults()
            )
            rng = random.Random(3)
            typed = [f"Phone {rng.randrange(LAUNCHES):06d}"[:10] for _ in range(100)]
            others = ["0123", "brand 07", "ph"]
            for text in typed + others:
                found = []
                for design in designs.values():
                    q.search_rows = design  # type: ignore[assignment]
                    found.append([r.id for r in await calendar.search(GUILD, text)])
                assert found[0] == found[1], f"different results for {text!r}"
            times: dict[str, list[float]] = {name: [] for name in designs}
            for _ in range(2):
                for name, design in designs.items():
                    q.search_rows = design  # type: ignore[assignment]
                    for text in typed:
                        started = asyncio.get_running_loop().time()
                        await calendar.search(GUILD, text)
                        times[name].append((asyncio.get_running_loop().time() - started) * 1000)
            print(f"\n{backend}: {LAUNCHES:,} launches; same results for all {len(typed) + 3}")
            print("| search | p50 ms | p99 ms | " + " | ".join(others) + " |")
            print("| --- | --- | --- |" + " --- |" * len(others))
            for name, design in designs.items():
                q.search_rows = design  # type: ignore[assignment]
                single = []
                for text in others:
                    started = asyncio.get_running_loop().time()
                    await calendar.search(GUILD, text)
                    single.append((asyncio.get_running_loop().time() - started) * 1000)
                print(f"| {name} | {statistics.median(times[name]):.2f} | "
                      f"{percentile(times[name], 99):.2f} | "
                      + " | ".join(f"{ms:.1f}" for ms in single) + " |")  # fmt: skip
        finally:
            q.search_rows = now
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS)
    parser.add_argument("--pg", help="PostgreSQL server URL (default $LAUNCHBOT_TEST_POSTGRES_URL)")
    args = parser.parse_args()
    for backend in args.backend or ["sqlite"]:
        asyncio.run(bench(backend, args.pg))


if __name__ == "__main__":
    main()
