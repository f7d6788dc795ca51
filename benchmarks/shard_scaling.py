"""Posts per second and memory per process with 1, 2 and 4 shard processes on one PostgreSQL
database, against an emulator whose global limit is raised (issue 11's report).

    python -m benchmarks.shard_scaling [--pg URL] [--processes 1,2,4] [--runs 5]
                                       [--posts 4000] [--servers 600]

Each run: a new database and a new emulator with ``--servers`` servers whose ids spread evenly
over the run's shards, one announce channel each (Discord's 5 posts per 5 s per channel, so the
channels allow 600 posts/s); N `launchbot run --shard-count N --shards k` processes, each paced at
1,000 requests/s (the emulator's global limit is 5,000/s) with a pool of 5 connections (and 5 more
when busy), so that what limits the posts is the bots' work and the machine, not the rate limits;
once all are ready, ``--posts`` posts fall due together 15 s later. Posts/s is the posts over
the time from the first arrival to the last; memory is each process's peak resident set (VmHWM)
at the end of the run; CPU is the bot processes' user + system time per post over the same
time (start-up and connecting left out). Every post must
arrive exactly once, sent by the process that owns its server. Each figure is the median of the
runs, with the lowest and highest.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import (
    log_problems,
    process_cpu_seconds,
    scratch_database,
    spawn_bot,
    stop_bot,
)
from benchmarks.membot import status_kb
from benchmarks.posts_processes import arrived, wait_for_posts
from bot.domain.shards import shard_of
from tests.e2e.harness import LAUNCHBOT, TOKEN
from tests.emulator import Emulator
from tests.support.post_seeding import Announce, seed_due_posts

SETTINGS = {
    "LAUNCHBOT_DISCORD_REQUESTS_PER_SECOND": "1000",
    "LAUNCHBOT_DATABASE_POOL_SIZE": "5",  # 4 processes x at most 10, under max_connections
}
EMULATOR_GLOBAL = (5000, 1.0)
START_WITHIN_S = 120.0
DUE_AFTER_READY_S = 15.0
"""Seeded once every process is ready, the posts fall due this long after: each process's
periodic look (every 5 s) has seen them by then and wakes at the due time."""


@dataclass
class Run:
    processes: int
    posts_per_s: float
    peak_rss_mb: list[float]
    cpu_ms_per_post: float


async def _start(
    emu: Emulator, url: str, folder: Path, processes: int, shard: int, address: str
) -> asyncio.subprocess.Process:
    command = (str(LAUNCHBOT), "run", "--shard-count", str(processes), "--shards", str(shard))
    env = {**SETTINGS, "LAUNCHBOT_DISCORD_API_BASE": address}
    log = folder / f"shard-{shard}.log"
    return await spawn_bot(emu, url, log, command, env, ready_within=START_WITHIN_S)


async def one_run(pg: str | None, processes: int, posts: int, server_count: int) -> Run:
    folder = Path(tempfile.mkdtemp(prefix="launchbot-scaling-"))
    async with (
        scratch_database("postgresql", pg) as url,
        Emulator(TOKEN, global_rate_limit=EMULATOR_GLOBAL) as emu,
    ):
        targets = []
        for n in range(server_count):
            guild = emu.state.add_guild(f"Server {n}", shard=(n % processes, processes))
            targets.append(Announce(guild.id, emu.state.add_channel(guild, "launches").id))
        addresses = [await emu.another_address() for _ in range(processes)]
        bots = await asyncio.gather(
            *(_start(emu, url, folder, processes, k, a) for k, a in enumerate(addresses))
        )
        due = datetime.now(UTC) + timedelta(seconds=DUE_AFTER_READY_S)
        await seed_due_posts(url, targets, [due] * posts)
        late_start = datetime.now(UTC) > due
        try:
            await wait_for_posts(emu, 1, within=600)
            cpu_at_first = sum(process_cpu_seconds(b.pid) for b in bots)
            await wait_for_posts(emu, posts, within=600)
            cpu = sum(process_cpu_seconds(b.pid) for b in bots) - cpu_at_first
            await asyncio.sleep(2)  # a duplicate would show by now
            peak = [status_kb("VmHWM", str(b.pid)) / 1024 for b in bots]
        finally:
            codes = await asyncio.gather(*(stop_bot(b) for b in bots))
        problems = [p for k in range(processes) for p in log_problems(folder / f"shard-{k}.log")]
        found = arrived(emu)
        twice = [n for n, c in Counter(a.nonce for a in found).items() if c > 1]
        assert not twice and len(found) == posts, f"{len(found)} posts, {len(twice)} twice"
        assert set(codes) == {0}, f"exit codes {codes}; logs in {folder}"
        _check_senders(emu, addresses, {t.channel_id: t.guild_id for t in targets})
        limited = sum(1 for r in emu.requests if r.status == 429)
        times = sorted(a.at for a in found)
        seconds = (times[-1] - times[0]).total_seconds()
        print(f"  {processes} process(es): {posts / seconds:.1f} posts/s, peak RSS "
              f"{', '.join(f'{m:.0f}' for m in peak)} MB, {len(problems)} log problems, "
              f"{limited} 429s, {cpu_at_first:.1f} s of CPU before the first post"
              f"{', started after the due time' if late_start else ''}",
              file=sys.stderr)  # fmt: skip
        return Run(processes, posts / seconds, peak, cpu * 1000 / (posts - 1))


def _check_senders(emu: Emulator, addresses: list[str], guild_of: dict[int, int]) -> None:
    """Every post was sent by the process that owns its server's shard (each process has its
    own address of the emulator, and the emulator records the port a request came in on)."""
    shard_of_port = {int(a.split(":")[2].split("/")[0]): k for k, a in enumerate(addresses)}
    for request in emu.requests_matching("POST", "/channels/{channel_id}/messages"):
        if str((request.json or {}).get("nonce", "")).startswith("lbp"):
            channel = int(request.path.split("/")[-2])
            owner = shard_of(guild_of[channel], len(addresses))
            assert shard_of_port[request.port] == owner, (request.path, request.port)


def _spread(values: Sequence[float], digits: int = 1) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def report(runs: dict[int, list[Run]], posts: int, servers: int) -> None:
    print(f"\n{posts:,} posts due together in {servers} servers; median of the runs "
          "(lowest-highest)")  # fmt: skip
    print("| processes | runs | posts/s | x 1 process | peak RSS per process, MB | "
          "bot CPU per post, ms |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    base = statistics.median(r.posts_per_s for r in runs[min(runs)])
    for count, found in runs.items():
        rates = [r.posts_per_s for r in found]
        print(
            f"| {count} | {len(found)} | {_spread(rates)} | "
            f"{statistics.median(rates) / base:.2f} | "
            f"{_spread([m for r in found for m in r.peak_rss_mb], 0)} | "
            f"{_spread([r.cpu_ms_per_post for r in found])} |"
        )


async def main(args: argparse.Namespace) -> None:
    runs: dict[int, list[Run]] = {n: [] for n in args.processes}
    for number in range(args.runs):
        print(f"run {number + 1} of {args.runs}", file=sys.stderr)
        for count in args.processes:  # interleaved, so a change in the machine's load hits all
            runs[count].append(await one_run(args.pg, count, args.posts, args.servers))
    report(runs, args.posts, args.servers)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", help="PostgreSQL server URL (default $LAUNCHBOT_TEST_POSTGRES_URL)")
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--servers", type=int, default=600)
    args = parser.parse_args(argv)
    args.processes = [int(p) for p in args.processes.split(",")]
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
