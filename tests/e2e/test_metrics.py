"""/metrics through the real bot and the emulator, after a scripted scenario: commands, a vote,
scheduled posts sent (late by a known time on the test's clock), skipped and refused, 429s of
both scopes from the emulator's rate limits. Every figure is read with prometheus_client's parser
and checked against what the emulator saw and the database holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.engine import create_engine
from bot.db.models import Post
from tests.e2e.calendar_helpers import run
from tests.e2e.harness import TOKEN, Server, start_bot
from tests.e2e.ops_helpers import LISTEN, Samples, metrics, value
from tests.e2e.poll_helpers import add_launch, click, create_poll
from tests.emulator import Emulator
from tests.support.clock import FakeClock
from tests.support.post_seeding import Announce, seed_due_posts

DUE = datetime(2027, 3, 1, 12, tzinfo=UTC)
LATE_BY = timedelta(seconds=30)
SENT = 12
AHEAD = 5
MESSAGES = "/channels/{channel_id}/messages"


async def _states(db_url: str) -> tuple[Counter[str], int]:
    """Posts by state, and how many pending ones are due at DUE + LATE_BY."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            states = Counter(
                str(getattr(s, "value", s)) for s in await conn.scalars(select(Post.state))
            )
            overdue = await conn.scalar(
                select(func.count()).where(Post.state == "pending", Post.due_at <= DUE + LATE_BY)
            )
            return states, int(overdue or 0)
    finally:
        await engine.dispose()


def _rate_limited(emu: Emulator) -> Counter[str]:
    """The 429s the emulator answered, by whether they were global."""
    return Counter(
        "global" if (r.response or {}).get("global") else "user"
        for r in emu.requests
        if r.status == 429
    )


async def _until_429s(emu: Emulator, channel_id: int) -> None:
    """Spends the channel's message bucket and the bot's global budget, as another process
    would, until the bot has run into both (each lasts a window: a few seconds, one second)."""
    async with asyncio.timeout(30):
        while True:
            seen = _rate_limited(emu)
            if seen["global"] and seen["user"]:
                return
            if not seen["user"]:
                emu.rate_limits.exhaust("POST", MESSAGES, channel_id=channel_id)
            if not seen["global"]:
                emu.rate_limits.exhaust_global(TOKEN)
            await asyncio.sleep(0.05)


def _interaction_logs(caplog: pytest.LogCaptureFixture) -> dict[str, float]:
    return {
        r.command: r.latency_ms  # type: ignore[attr-defined]
        for r in caplog.records
        if hasattr(r, "command") and hasattr(r, "latency_ms")
    }


async def test_metrics_show_the_scenario_as_it_happened(
    emu: Emulator, server: Server, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="launchbot.bot")
    busy = emu.state.add_guild("Busy")
    busy_channel = emu.state.add_channel(busy, "launches")
    closed = emu.state.add_guild("Closed")
    closed_channel = emu.state.add_channel(closed, "launches")
    ahead = [DUE + timedelta(days=1, minutes=n) for n in range(AHEAD)]
    gone = DUE - timedelta(hours=2)  # its hour of grace is over: skipped
    await seed_due_posts(
        db_url, [Announce(busy.id, busy_channel.id)], [DUE] * SENT + [gone] + ahead
    )
    await seed_due_posts(db_url, [Announce(closed.id, closed_channel.id)], [DUE])
    emu.faults.fail_next(
        "POST", f"/channels/{closed_channel.id}/messages", count=None, status=403,
        body={"code": 50013, "message": "Missing Permissions"},
    )  # fmt: skip
    clock = FakeClock(DUE - timedelta(minutes=1))
    running = await start_bot(emu, db_url, clock, LAUNCHBOT_POSTS_SWEEP_SECONDS="0.05", **LISTEN)
    try:
        address = running.app.http_address
        assert address is not None
        assert (await run(emu, server.guild, server.member, "about")).embeds
        launch = await add_launch(emu, server)
        poll = await create_poll(emu, server, launch, closes="2027-04-01 10:00")
        assert (await click(emu, poll, server.member, "Yes")).ephemeral

        clock.now = DUE + LATE_BY
        await _until_429s(emu, busy_channel.id)
        # sent; the skipped one; the refused post and its note to the admins, refused too
        expected = {"sent": SENT, "skipped": 1, "failed": 2}
        async with asyncio.timeout(60):
            while True:
                states, overdue = await _states(db_url)
                if all(states[s] == n for s, n in expected.items()) and not states["sending"]:
                    break
                await asyncio.sleep(0.1)
        latencies = {running.bot.latency}  # a heartbeat's answer may come while it is scraped
        samples = await metrics(address)
        latencies.add(running.bot.latency)
        seen = _rate_limited(emu)
    finally:
        await running.stop()

    _posts(samples, states, overdue)
    for scope in ("global", "user"):
        assert value(samples, "launchbot_discord_429_total", scope=scope) == seen[scope]
    assert value(samples, "launchbot_discord_429_total", scope="shared") == 0
    assert value(samples, "launchbot_votes_total") == 1
    _interactions(samples, _interaction_logs(caplog))
    assert value(samples, "launchbot_gateway_connected", shard="0") == 1
    assert value(samples, "launchbot_gateway_latency_seconds", shard="0") in latencies
    for check in ("gateway", "database", "dispatcher"):
        assert value(samples, "launchbot_health_check", check=check) == 1
    assert value(samples, "process_resident_memory_bytes") > 10_000_000


def _posts(samples: Samples, states: Counter[str], overdue: int) -> None:
    for state in ("sent", "failed", "skipped"):
        assert value(samples, "launchbot_posts_total", state=state) == states[state], state
    assert value(samples, "launchbot_posts_total", state="cancelled") == 0
    # what is left: the posts a day ahead and the poll's close
    assert states["pending"] == AHEAD + 1
    assert value(samples, "launchbot_posts_pending") == states["pending"]
    assert value(samples, "launchbot_posts_overdue") == overdue == 0
    # each post sent exactly LATE_BY after it was due, on the test's clock
    assert value(samples, "launchbot_post_lateness_seconds_count") == SENT
    assert value(samples, "launchbot_post_lateness_seconds_sum") == SENT * LATE_BY.seconds
    assert value(samples, "launchbot_post_lateness_seconds_bucket", le="10.0") == 0
    assert value(samples, "launchbot_post_lateness_seconds_bucket", le="30.0") == SENT
    assert value(samples, "launchbot_post_retries_total") == 0  # discord.py waits out 429s


def _interactions(samples: Samples, logged: dict[str, float]) -> None:
    """One observation per command, each the latency the interaction's log line gave."""
    assert set(logged) == {"about", "launch add", "poll create"}, logged
    for command, latency_ms in logged.items():
        count = value(samples, "launchbot_interaction_seconds_count", command=command)
        total = value(samples, "launchbot_interaction_seconds_sum", command=command)
        assert count == 1
        assert abs(total * 1000 - latency_ms) <= 0.051, (command, total, latency_ms)
        assert value(samples, "launchbot_interaction_seconds_bucket", command=command, le="10.0")
