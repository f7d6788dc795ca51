"""Scheduled posts against the emulator, with a real `launchbot run` process, side by side with the
one-APScheduler-job-per-reminder baseline (benchmarks/one_job_per_post.py), in one run, on SQLite
and (with --backend postgresql) PostgreSQL:

* lateness within the rate budget: posts due one after another below the rate limits; how long
  after its due time each reaches the emulator (both designs);
* a burst: ``--burst`` posts due at the same moment in ``--servers`` servers, each server's posts
  spread over ``--channels`` channels (its announce channel and members' DMs); posts per second
  from the first to the last, 429s, posts that arrived more or less than once (the bot);
* ``--pending`` pending posts (due over the next year): resident memory once ready, start to
  ready to dispatch, CPU while idle (both designs on SQLite, the bot alone on PostgreSQL), and
  the dispatcher's own questions through the bot's service and on the bare driver.

    python -m benchmarks.scheduled_posts [--backend sqlite] [--backend postgresql --pg URL]
        [--parts lateness,burst,pending|queries] [--pending 1000000] [--burst 10000] [--servers 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import BACKENDS, percentile, scratch_database
from benchmarks.posts_pending import Idle, idle, query_times, seed_pending
from benchmarks.posts_processes import DESIGNS, DISPATCHER, ONE_JOB
from benchmarks.posts_timing import burst, lateness

PARTS = ("lateness", "burst", "pending", "queries")
"""``queries`` is the first half of ``pending``: the posts seeded, the dispatcher's questions."""


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(flush=True)


def ratio(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}x" if ours else "-"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run_lateness(args: argparse.Namespace, backend: str, folder: Path) -> None:
    late = {
        d: await lateness(d, args.late_posts, args.late_rate, backend, args.pg, folder)
        for d in DESIGNS
    }
    print(f"[{backend}] lateness: {args.late_posts} posts due at {args.late_rate:g}/s, each "
          f"channel one per 10 s (target: p99 <= 1 s); {load()}")  # fmt: skip
    table(
        ("design", "n", "p50", "p99", "max"),
        [
            (d, str(len(v)), fmt_s(percentile(v, 50)), fmt_s(percentile(v, 99)), fmt_s(max(v)))
            for d, v in late.items()
        ],
    )
    late_ratio = ratio(percentile(late[DISPATCHER], 99), percentile(late[ONE_JOB], 99))
    print(f"[{backend}] lateness p99, baseline / dispatcher: {late_ratio}\n")


async def run_burst(args: argparse.Namespace, backend: str, folder: Path) -> None:
    warm, b = await burst(args.burst, args.servers, args.channels, backend, args.pg, folder)
    print(f"[{backend}] burst: {args.burst:,} posts due together in {args.servers} servers, "
          f"{args.channels} channels each: the announce channel and {args.channels - 1} members' "
          f"DMs (target: >= 45 posts/s, zero 429s, each once); {load()}")  # fmt: skip
    rows = [("burst", b)] if warm is None else [("first DMs since start", warm), ("burst", b)]
    table(
        ("wave", "arrived", "channels", "first to last", "posts/s", "due to last", "twice",
         "missing"),
        [(name, f"{w.posts:,}", f"{w.channels:,}", fmt_s(w.first_to_last),
          f"{w.per_second:.1f}", fmt_s(w.due_to_last), str(w.more_than_once), str(w.missing))
         for name, w in rows],
    )  # fmt: skip
    print(
        f"[{backend}] 429s over the run: {b.limited} ({b.global_429} global)"
        + (f": {b.limited_routes}" if b.limited else "")
        + "\n",
        flush=True,
    )


async def run_pending(args: argparse.Namespace, backend: str, folder: Path) -> None:
    # The baseline's million jobs are a SQLite comparison (and a gigabyte): the bot alone on PG.
    designs = list(DESIGNS) if backend == "sqlite" else [DISPATCHER]
    async with scratch_database(backend, args.pg) as url:
        started = time.perf_counter()
        await seed_pending(url, args.pending, args.servers, random.Random(7))
        print(f"[{backend}] {args.pending:,} pending posts seeded in "
              f"{time.perf_counter() - started:.0f} s, {args.servers} servers\n")  # fmt: skip
        rounds = [await _queries(args, backend, url, n) for n in range(args.query_rounds)]
        if len(rounds) > 1:
            print(f"[{backend}] the median of the {len(rounds)} rounds' p50 and p99")
            table(
                ("query", "p50", "p99"),
                [(k, f"{statistics.median(r[k][0] for r in rounds):.3f} ms",
                  f"{statistics.median(r[k][1] for r in rounds):.3f} ms") for k in rounds[0]],
            )  # fmt: skip
        if "pending" not in args.parts.split(","):
            return  # ``queries``: the first half alone
        idles = {d: await idle(d, url, args.servers, folder, args.idle_seconds) for d in designs}
    async with scratch_database(backend, args.pg) as empty_url:
        empty = {d: await idle(d, empty_url, args.servers, folder, 3) for d in designs}
    print(f"[{backend}] {args.pending:,} pending posts: start to ready to dispatch, resident "
          f"memory once ready, CPU over {args.idle_seconds:g} s idle; {load()}")  # fmt: skip
    print("(targets: <= 3 s, <= 200 MB, near zero)")
    rows = [_idle_row(i, empty[i.design]) for i in idles.values()]
    if ONE_JOB in idles:
        ours, base = idles[DISPATCHER], idles[ONE_JOB]
        rows.append(("baseline / dispatcher", ratio(ours.ready_after, base.ready_after),
                     ratio(ours.rss_mb, base.rss_mb), "", ""))  # fmt: skip
    table(("design", "ready after", "RSS", "RSS, no posts", "idle CPU"), rows)


async def _queries(
    args: argparse.Namespace, backend: str, url: str, n: int
) -> dict[str, tuple[float, float]]:
    found = await query_times(url, args.samples)
    print(f"[{backend}] the dispatcher's questions with {args.pending:,} pending posts, round "
          f"{n + 1} (target: <= 1 ms); {load()}")  # fmt: skip
    table(
        ("query", "n", "p50", "p99"),
        [(k, str(len(v)), f"{percentile(v, 50):.3f} ms", f"{percentile(v, 99):.3f} ms")
         for k, v in found.items()],
    )  # fmt: skip
    return {k: (percentile(v, 50), percentile(v, 99)) for k, v in found.items()}


def _idle_row(i: Idle, empty: Idle) -> tuple[str, ...]:
    return (i.design, fmt_s(i.ready_after), f"{i.rss_mb:.0f} MB", f"{empty.rss_mb:.0f} MB",
            f"{i.cpu_percent:.2f} %")  # fmt: skip


async def run(args: argparse.Namespace) -> None:
    parts = {"lateness": run_lateness, "burst": run_burst, "pending": run_pending,
             "queries": run_pending}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="launchbot-posts-bench-") as tmp:
        print(f"scheduled posts, {os.cpu_count()} cores, {load()}\n", flush=True)
        for backend in args.backend or ["sqlite"]:
            chosen = args.parts.split(",")
            for part in chosen:
                if not (part == "queries" and "pending" in chosen):
                    await parts[part](args, backend, Path(tmp))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS)
    parser.add_argument("--pg", help="PostgreSQL server URL (a scratch database is made there)")
    parser.add_argument("--parts", default="lateness,burst,pending")
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--late-posts", type=int, default=600)
    parser.add_argument("--late-rate", type=float, default=20.0)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--query-rounds", type=int, default=3)
    args = parser.parse_args(argv)
    unknown = set(args.parts.split(",")) - set(PARTS)
    if unknown:
        parser.error(f"--parts: unknown {', '.join(sorted(unknown))} (known: {', '.join(PARTS)})")
    return args


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
