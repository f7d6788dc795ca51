"""Shared by the end-to-end benchmarks: scratch databases, bulk seeding, timing, the table.

The measured guild gets ``count`` launches (about 85 % upcoming, the rest past, finished or
undated), 40 brands, an alias on every tenth device, two date claims on a quarter of the launches
and one audit entry per launch; each noise guild gets a tenth as many. Then every launch gets
the scheduled posts the bot plans for it (reminders and launch posts of the ones dated to the day
or minute: about 20,000 pending posts for 10,000 launches).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import os
import random
import re
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import URL, make_url

from bot.config import builtin_guild_defaults
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import AuditEntry, Brand, Claim, Device, DeviceAlias, Launch
from bot.domain.clock import utc_now
from bot.domain.vocabulary import (
    ClaimSubject,
    LaunchKind,
    LaunchStatus,
    Precision,
    SourceKind,
)
from bot.services.deliveries import DeliveryService
from tests.e2e.harness import LAUNCHBOT, bot_environment
from tests.emulator import Emulator
from tests.support import databases

POSTGRES_ENV = databases.POSTGRES_ENV
BACKENDS = ("sqlite", "postgresql")
DISCORD_DEADLINE_S = 3.0
CHUNK = 5000
BRANDS = 40


# databases ----------------------------------------------------------------------------------


def postgres_server(raw: str | None) -> URL | None:
    raw = (raw or os.environ.get(POSTGRES_ENV, "")).strip()
    if not raw:
        return None
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    return url


@asynccontextmanager
async def scratch_database(backend: str, pg_url: str | None = None) -> AsyncIterator[str]:
    """A new, migrated database (SQLite file in a temp dir, or a PostgreSQL database created on
    the server at ``pg_url`` / $LAUNCHBOT_TEST_POSTGRES_URL), dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="launchbot-bench-") as tmp:
            url = databases.sqlite_url(Path(tmp) / "bench.db")
            await databases.migrate_to_head(url)
            yield url
        return
    server = postgres_server(pg_url)
    if server is None:
        raise SystemExit(f"postgresql needs --pg URL or {POSTGRES_ENV}")
    database = await databases.create_postgres_database(server, "bench")
    try:
        url = database.render_as_string(hide_password=False)
        await databases.migrate_to_head(url)
        yield url
    finally:
        await databases.drop_postgres_database(server, database)


def sqlite_path(url: str) -> str:
    return str(make_url(url).database)


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# seeding ------------------------------------------------------------------------------------


@dataclass
class Seeded:
    guild_id: int
    launch_ids: list[int]
    upcoming: int
    noise_launches: int = 0
    seconds: float = 0.0


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _window(rng: random.Random, day: datetime) -> tuple[datetime, datetime, Precision]:
    pick = rng.random()
    if pick < 0.6:
        return day, day + timedelta(days=1), Precision.DAY
    if pick < 0.85:
        first = day.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1), Precision.MONTH
    quarter = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    end = quarter
    for _ in range(3):
        end = (end + timedelta(days=32)).replace(day=1)
    return quarter, end, Precision.QUARTER


def _launch_row(
    rng: random.Random, guild_id: int, device_id: int, now: datetime
) -> tuple[dict[str, Any], bool]:
    """One launch row and whether /launch upcoming lists it."""
    today = _day(now)
    pick = rng.random()
    row: dict[str, Any] = {
        "guild_id": guild_id,
        "device_id": device_id,
        "region": "Global",
        "region_key": "global",
        "kind": LaunchKind.ANNOUNCEMENT,
        "timezone": "UTC",
        "confidence": rng.choice((None, 30, 60, 90)),
        "created_at": now,
        "updated_at": now,
    }
    if pick < 0.04:  # undated rumour
        row.update(window_start=None, window_end=None, precision=None)
        row["status"] = LaunchStatus.RUMORED
        return row, False
    if pick < 0.12:  # in the past
        start = today - timedelta(days=rng.randint(400, 1500))
        status = rng.choices(
            (LaunchStatus.LAUNCHED, LaunchStatus.CANCELLED, LaunchStatus.RUMORED), (7, 1, 2)
        )[0]
        row.update(window_start=start, window_end=start + timedelta(days=1))
        row.update(precision=Precision.DAY, status=status)
        return row, False
    start, end, precision = _window(rng, today + timedelta(days=rng.randint(100, 1500)))
    status = rng.choices(
        (LaunchStatus.RUMORED, LaunchStatus.TEASED, LaunchStatus.CONFIRMED, LaunchStatus.POSTPONED),
        (60, 10, 25, 5),
    )[0]
    row.update(window_start=start, window_end=end, precision=precision, status=status)
    return row, True


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for at in range(0, len(rows), CHUNK):
        yield rows[at : at + CHUNK]


async def seed_guild(url: str, guild_id: int, count: int, seed: int = 42) -> Seeded:
    """Bulk inserts (like tests.e2e.calendar_helpers.seed_launches, with more variety)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = create_engine(url)
    upcoming = 0
    try:
        async with engine.begin() as conn:
            brand_rows = [
                {"guild_id": guild_id, "name": f"Brand {b:02d}", "name_key": f"brand {b:02d}"}
                for b in range(BRANDS)
            ]
            brands = (
                (
                    await conn.execute(
                        insert(Brand).returning(Brand.id, sort_by_parameter_order=True),
                        brand_rows,
                    )
                )
                .scalars()
                .all()
            )
            device_rows = [
                {
                    "guild_id": guild_id,
                    "brand_id": brands[n % BRANDS],
                    "name": f"Phone {n:06d}",
                    "name_key": f"phone {n:06d}",
                    "is_series": n % 17 == 0,
                }
                for n in range(count)
            ]
            device_ids: list[int] = []
            for part in _chunks(device_rows):
                result = await conn.execute(
                    insert(Device).returning(Device.id, sort_by_parameter_order=True), part
                )
                device_ids.extend(result.scalars().all())
            aliases = [
                {
                    "guild_id": guild_id,
                    "device_id": device_id,
                    "alias": f"P{n:06d}",
                    "alias_key": f"p{n:06d}",
                }
                for n, device_id in enumerate(device_ids)
                if n % 10 == 0
            ]
            for part in _chunks(aliases):
                await conn.execute(insert(DeviceAlias), part)
            launch_rows = []
            for device_id in device_ids:
                row, listed = _launch_row(rng, guild_id, device_id, now)
                launch_rows.append(row)
                upcoming += listed
            launch_ids: list[int] = []
            for part in _chunks(launch_rows):
                result = await conn.execute(
                    insert(Launch).returning(Launch.id, sort_by_parameter_order=True), part
                )
                launch_ids.extend(result.scalars().all())
            claims, audit = [], []
            for n, (launch_id, row) in enumerate(zip(launch_ids, launch_rows, strict=True)):
                audit.append(
                    {
                        "guild_id": guild_id,
                        "at": now,
                        "actor_id": 1000 + n % 7,
                        "actor_name": f"editor{n % 7}",
                        "entity": "launch",
                        "entity_id": launch_id,
                        "action": "add",
                        "before": None,
                        "after": {"device": f"Phone {n:06d}", "status": row["status"].value},
                    }
                )
                if n % 4 or row["window_start"] is None:
                    continue
                for k, (kind, author) in enumerate(
                    ((SourceKind.MEDIA, "MyDrivers"), (SourceKind.LEAKER, "Digital Chat Station"))
                ):
                    claims.append(
                        {
                            "guild_id": guild_id,
                            "launch_id": launch_id,
                            "subject": ClaimSubject.DATE,
                            "window_start": row["window_start"],
                            "window_end": row["window_end"],
                            "precision": row["precision"],
                            "timezone": "UTC",
                            "source_kind": kind,
                            "source_url": f"https://leaks.example/{launch_id}/{k}",
                            "author": author,
                            "seen_at": now - timedelta(days=30 - k),
                            "created_at": now,
                        }
                    )
            for part in _chunks(claims):
                await conn.execute(insert(Claim), part)
            for part in _chunks(audit):
                await conn.execute(insert(AuditEntry), part)
    finally:
        await engine.dispose()
    return Seeded(guild_id, launch_ids, upcoming)


async def seed_calendar(url: str, guild_id: int, count: int, noise_guilds: Sequence[int]) -> Seeded:
    """The measured guild plus noise guilds (a tenth as many launches each), with the scheduled
    posts a running bot would have planned for them (so the bot under test does not plan them
    all at its start, while it is being measured); PostgreSQL is then VACUUM ANALYZEd, as
    autovacuum would soon do after such a load (SQLite is left without statistics, as a
    production file would be)."""
    started = time.perf_counter()
    seeded = await seed_guild(url, guild_id, count)
    for n, noise in enumerate(noise_guilds, start=1):
        extra = await seed_guild(url, noise, max(1, count // 10), seed=42 + n)
        seeded.noise_launches += len(extra.launch_ids)
    engine = create_engine(url)
    try:
        deliveries = DeliveryService(
            create_session_factory(engine), utc_now, builtin_guild_defaults()
        )
        await deliveries.plan_unplanned_launches()
    finally:
        await engine.dispose()
    await vacuum_analyze(url)
    seeded.seconds = time.perf_counter() - started
    return seeded


async def vacuum_analyze(url: str) -> None:
    """On PostgreSQL, what autovacuum would soon do after a bulk load (this machine's server
    runs with autovacuum off, so without it the planner works from no statistics at all)."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


# statistics and output ---------------------------------------------------------------------


@contextmanager
def collector_paused() -> Iterator[None]:
    """This process (the driver and the emulator) collects and freezes what it holds, then
    pauses its garbage collector until the block ends: the emulator keeps a record of every
    message and interaction, and its full collections grew to 100-320 ms every ~12 s over a
    round, stalling whole bursts of the bot's replies on this side (the times of those pauses
    and of the slowest bursts matched). The bot's process is untouched."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Row:
    backend: str
    launches: int
    scenario: str
    samples_ms: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 99)

    @property
    def worst(self) -> float:
        return max(self.samples_ms) if self.samples_ms else math.nan


def print_table(rows: Sequence[Row], title: str = "") -> None:
    header = ("backend", "launches", "scenario", "n", "p50 ms", "p99 ms", "max ms", "note")
    cells = [
        (
            r.backend,
            f"{r.launches:,}",
            r.scenario,
            str(len(r.samples_ms)),
            f"{r.p50:.1f}",
            f"{r.p99:.1f}",
            f"{r.worst:.1f}",
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    if title:
        print(title)
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-" * len(line))
    for c in cells:
        print(
            "  ".join(
                v.rjust(w) if 3 <= i <= 6 else v.ljust(w)
                for i, (v, w) in enumerate(zip(c, widths, strict=True))
            )
        )


def log_bot_to(path: Path, level: str = "INFO") -> None:
    """The bot's logging as `launchbot run` sets it up (text, INFO), but into a file."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)


# the bot as a process ------------------------------------------------------------------------

LOG_PROBLEM = re.compile(r" (ERROR|CRITICAL) |Traceback|\"level\": \"(ERROR|CRITICAL)\"")


async def spawn_bot(
    emu: Emulator,
    url: str,
    log: Path,
    command: Sequence[str] = (str(LAUNCHBOT), "run"),
    env: dict[str, str] | None = None,
    ready_within: float = 60,
) -> asyncio.subprocess.Process:
    """``command`` (a real `launchbot run` by default) with the environment of the end-to-end
    tests (tests.e2e.harness.bot_environment: database, emulator's REST and gateway URLs, token,
    config.toml) plus ``env``, its stderr in ``log``; returns once the bot has logged "ready as"
    (connected, guilds received)."""
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=bot_environment(emu, url, **{"LAUNCHBOT_LOG_LEVEL": "INFO", **(env or {})}),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        async with asyncio.timeout(ready_within):
            while "ready as" not in _text(log):
                if process.returncode is not None:
                    raise RuntimeError("the bot exited:\n" + _text(log)[-2000:])
                await asyncio.sleep(0.1)
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    return process


async def stop_bot(process: asyncio.subprocess.Process, within: float = 30) -> int:
    """SIGTERM (what systemd and docker stop send), then its exit status."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), within)


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux: /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_problems(log: Path) -> list[str]:
    """The lines of a bot log at ERROR or CRITICAL, and tracebacks."""
    return [line for line in _text(log).splitlines() if LOG_PROBLEM.search(line)]


def _text(log: Path) -> str:
    return log.read_text(errors="replace")
