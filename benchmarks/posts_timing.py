"""Lateness and the burst, for benchmarks.scheduled_posts: posts seeded due (tests/support/
post_seeding.py), a design started against the emulator, and what reached it when."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, update

from benchmarks.common import scratch_database
from benchmarks.posts_processes import (
    DISPATCHER,
    Arrival,
    Server,
    arrived,
    servers,
    start,
    wait_for_posts,
)
from bot.app.post_sender import nonce_of
from bot.db.engine import create_engine
from bot.db.models import Post
from bot.domain.subscriptions import user_target
from tests.e2e.harness import TOKEN
from tests.emulator import Emulator
from tests.support.post_seeding import seed_due_posts


async def lateness(
    design: str, count: int, rate: float, backend: str, pg: str | None, folder: Path
) -> list[float]:
    """``count`` posts due one after another at ``rate`` per second, round-robin over servers so
    each channel gets one every 10 s; seconds from each post's due time to its arrival."""
    async with Emulator(TOKEN) as emu, scratch_database(backend, pg) as url:
        announce = [s.announce for s in servers(emu, max(1, int(rate * 10)))]
        first = datetime.now(UTC) + timedelta(seconds=20)
        due = [first + timedelta(seconds=n / rate) for n in range(count)]
        ids = await seed_due_posts(url, announce, due)
        running = await start(design, emu, url, folder, within=20)
        try:
            await wait_for_posts(emu, count, within=60 + count / rate)
        finally:
            await running.stop()
        due_of = {nonce_of(i): d for i, d in zip(ids, due, strict=True)}
        return [(a.at - due_of[a.nonce]).total_seconds() for a in arrived(emu)]


@dataclass
class Burst:
    posts: int
    channels: int
    first_to_last: float
    due_to_last: float
    limited: int
    global_429: int
    limited_routes: str
    more_than_once: int
    missing: int

    @property
    def per_second(self) -> float:
        return (self.posts - 1) / self.first_to_last if self.first_to_last else 0.0


def _retargeted(ids: list[int], found: list[Server], channels: int) -> list[dict[str, object]]:
    """Of each server's posts, in turn: its announce channel, then each member's DM (a launch's
    copy for a subscribed member, as the dispatcher adds them), so a server's posts go to
    ``channels`` channels."""
    moves: list[dict[str, object]] = []
    for n, post_id in enumerate(ids):
        server = found[n % len(found)]
        slot = (n // len(found)) % channels
        if slot:
            moves.append({"post_id": post_id, "target": user_target(server.members[slot - 1])})
    return moves


async def _move(url: str, moves: list[dict[str, object]]) -> None:
    if not moves:
        return
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(Post)
                .where(Post.id == bindparam("post_id"))
                .values(target=bindparam("target"))
                .execution_options(synchronize_session=False),
                moves,
            )
    finally:
        await engine.dispose()


async def burst(
    count: int, server_count: int, channels: int, backend: str, pg: str | None, folder: Path
) -> tuple[Burst | None, Burst]:
    """With DMs among the channels, a first wave sends each server one post per channel (every
    member's first DM since the bot started: each opens the member's DM channel, a request of
    its own); the burst of ``count`` comes once that is done, as it would to a bot that has been
    running. Returns (first wave or None, burst); 429s are counted over both."""
    async with Emulator(TOKEN) as emu, scratch_database(backend, pg) as url:
        found = servers(emu, server_count, members=channels - 1)
        first = server_count * channels if channels > 1 else 0
        warm_due = datetime.now(UTC) + timedelta(seconds=30)
        # the first wave's posts and DM openings at the bot's pace (46/s), with room for load
        due_at = warm_due + timedelta(seconds=first * 2 / 40 + 30 if first else 0)
        due = [warm_due] * first + [due_at] * count
        ids = await seed_due_posts(url, [s.announce for s in found], due)
        await _move(url, _retargeted(ids[:first], found, channels)
                    + _retargeted(ids[first:], found, channels))  # fmt: skip
        running = await start(DISPATCHER, emu, url, folder, within=30)
        try:
            await wait_for_posts(emu, first + count, within=90 + (first * 2 + count) / 30)
            await asyncio.sleep(1)  # a duplicate would show up by now
        finally:
            await running.stop()
        posts = arrived(emu)
        limited = [r for r in emu.requests if r.status == 429]
        main = _wave(posts, ids[first:], due_at, limited)
        if not first:
            return None, main
        warm = _wave(posts, ids[:first], warm_due, limited)
        if warm.due_to_last >= (due_at - warm_due).total_seconds():
            print("the first wave ran into the burst: give it more time", flush=True)
        return warm, main


def _wave(posts: list[Arrival], ids: list[int], due_at: datetime, limited: list[Any]) -> Burst:
    wanted = {nonce_of(i) for i in ids}
    mine = [a for a in posts if a.nonce in wanted]
    times = sorted(a.at for a in mine)
    counts = Counter(a.nonce for a in mine)
    return Burst(
        posts=len(mine),
        channels=len({a.channel_id for a in mine}),
        first_to_last=(times[-1] - times[0]).total_seconds(),
        due_to_last=(times[-1] - due_at).total_seconds(),
        limited=len(limited),
        global_429=sum(
            1 for r in limited if isinstance(r.response, dict) and r.response.get("global")
        ),
        limited_routes=", ".join(
            f"{route} {n}" for route, n in Counter(f"{r.method} {r.route}" for r in limited).items()
        )
        + _when(limited, posts),
        more_than_once=sum(1 for n in counts.values() if n > 1),
        missing=len(wanted - set(counts)),
    )


def _when(limited: list[Any], posts: list[Arrival]) -> str:
    """Seconds after the first post of the run at which 429s were answered, to the tenth: a
    stall on a loaded machine shows as several in one moment."""
    if not limited or not posts:
        return ""
    first = min(a.at for a in posts).timestamp() - (time.time() - time.monotonic())
    moments = Counter(round(r.time - first, 1) for r in limited)
    return "; at " + ", ".join(
        f"{t:g} s" + (f" x{n}" if n > 1 else "") for t, n in sorted(moments.items())
    )
