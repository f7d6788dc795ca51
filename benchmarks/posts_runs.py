"""The scheduled posts' targets over several runs, for the report (docs/benchmarks.md): each
figure's median and spread over ``--runs`` runs, each run a fresh `launchbot run` process against
the emulator (the parts are those of ``benchmarks/scheduled_posts.py``, the bot alone):

* lateness: ``--late-posts`` posts due one after another at ``--late-rate`` per second;
* the burst: ``--burst`` posts due together in ``--servers`` servers, 4 channels each;
* ``--pending`` pending posts, seeded once: start to ready, memory once ready, idle CPU, and the
  dispatcher's look and claim (``--samples`` calls per run).

    python -m benchmarks.posts_runs [--backend sqlite] [--backend postgresql --pg URL] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

from benchmarks.common import BACKENDS, percentile, scratch_database
from benchmarks.posts_pending import idle, query_times, seed_pending
from benchmarks.posts_processes import DISPATCHER
from benchmarks.posts_timing import burst, lateness

Figures = dict[str, list[float]]
QUERIES = {
    "earliest due: the dispatcher's look (now)": "the look",
    "a claim that finds nothing due": "a claim that finds nothing due",
}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def _timed_runs(args: argparse.Namespace, backend: str, folder: Path, out: Figures) -> None:
    for n in range(args.runs):
        late = await lateness(DISPATCHER, args.late_posts, args.late_rate, backend, args.pg, folder)
        out["lateness p50, ms"].append(1000 * percentile(late, 50))
        out["lateness p99, ms"].append(1000 * percentile(late, 99))
        out["lateness max, ms"].append(1000 * max(late))
        _, b = await burst(args.burst, args.servers, 4, backend, args.pg, folder)
        out["burst, posts/s"].append(b.per_second)
        out["burst, 429s"].append(b.limited)
        out["burst, posts twice"].append(b.more_than_once)
        out["burst, posts missing"].append(b.missing)
        print(f"[{backend}] run {n + 1}: lateness p99 {out['lateness p99, ms'][-1]:.0f} ms, "
              f"burst {b.per_second:.1f} posts/s, {b.limited} 429s, {b.more_than_once} twice, "
              f"{b.missing} missing; load {_load()}", flush=True)  # fmt: skip


async def _pending_runs(args: argparse.Namespace, backend: str, folder: Path, out: Figures) -> None:
    async with scratch_database(backend, args.pg) as url:
        await seed_pending(url, args.pending, args.servers, random.Random(7))
        for n in range(args.runs):
            found = await query_times(url, args.samples)
            for key, name in QUERIES.items():
                times = next(v for k, v in found.items() if k.startswith(key))
                out[f"{name} p50, ms"].append(percentile(times, 50))
                out[f"{name} p99, ms"].append(percentile(times, 99))
            ready = await idle(DISPATCHER, url, args.servers, folder, args.idle_seconds)
            out["pending: start to ready, s"].append(ready.ready_after)
            out["pending: RSS once ready, MB"].append(ready.rss_mb)
            out["pending: idle CPU, %"].append(ready.cpu_percent)
            print(f"[{backend}] {args.pending:,} pending, run {n + 1}: ready after "
                  f"{ready.ready_after:.2f} s, {ready.rss_mb:.0f} MB, idle CPU "
                  f"{ready.cpu_percent:.2f} %; load {_load()}", flush=True)  # fmt: skip


def report(backend: str, runs: int, figures: Figures) -> None:
    print(f"\n{backend}: {runs} runs; the median (lowest-highest)")
    print("| figure | median | spread |\n| --- | --- | --- |")
    for name, values in figures.items():
        print(f"| {name} | {statistics.median(values):.3g} | "
              f"{min(values):.3g}-{max(values):.3g} |")  # fmt: skip
    print(flush=True)


async def run(args: argparse.Namespace) -> None:
    print(f"scheduled posts over {args.runs} runs, {os.cpu_count()} cores, load {_load()}")
    with tempfile.TemporaryDirectory(prefix="launchbot-posts-runs-") as tmp:
        for backend in args.backend or ["sqlite"]:
            figures: Figures = defaultdict(list)
            if "timed" in args.parts:
                await _timed_runs(args, backend, Path(tmp), figures)
            if "pending" in args.parts:
                await _pending_runs(args, backend, Path(tmp), figures)
            report(backend, args.runs, figures)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS)
    parser.add_argument("--pg", help="PostgreSQL server URL (a scratch database is made there)")
    parser.add_argument("--parts", default="timed,pending", help="timed (lateness, burst), pending")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--late-posts", type=int, default=600)
    parser.add_argument("--late-rate", type=float, default=20.0)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--samples", type=int, default=1000)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
