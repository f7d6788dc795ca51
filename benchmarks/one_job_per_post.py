"""The baseline for benchmarks.scheduled_posts: the one-APScheduler-job-per-reminder design, run as
a process in the same environment as `launchbot run` (database, the emulator's REST address,
token).

At start it reads every pending post and adds one job per post to an in-memory
``AsyncIOScheduler`` (what reminder bots that keep their timers in APScheduler do), logs
"ready: N jobs", and sends each post when its job fires, with the same nonce as the bot, then
marks it sent. No gateway connection: only what the design itself costs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from discord.http import HTTPClient, handle_message_parameters
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.endpoints import apply_endpoints
from bot.app.post_sender import nonce_of
from bot.config import load_settings
from bot.db.engine import create_engine
from bot.db.models import GuildSettings, Post
from bot.domain.vocabulary import PostState


async def _send(http: HTTPClient, engine: AsyncEngine, post_id: int, channel_id: int) -> None:
    with handle_message_parameters(content=f"post {post_id}", nonce=nonce_of(post_id)) as params:
        assert params.payload is not None
        params.payload["enforce_nonce"] = True
        data = await http.send_message(channel_id, params=params)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(state=PostState.SENT, message_id=int(data["id"]), sent_at=now, updated_at=now)
        )


async def main() -> None:
    settings = load_settings(os.environ)
    apply_endpoints(settings.api_base, settings.gateway_url)
    assert settings.token is not None
    engine = create_engine(settings.database_url)
    connector = aiohttp.TCPConnector(limit=0)
    http = HTTPClient(asyncio.get_running_loop(), connector)
    await http.static_login(settings.token.reveal())
    scheduler = AsyncIOScheduler(timezone=UTC)
    jobs = 0
    async with engine.connect() as conn:
        rows = await conn.stream(
            select(Post.id, Post.due_at, GuildSettings.announce_channel_id)
            .join(GuildSettings, GuildSettings.guild_id == Post.guild_id)
            .where(Post.state == PostState.PENDING)
            .order_by(Post.due_at)
        )
        async for post_id, due_at, channel_id in rows:
            scheduler.add_job(
                _send, DateTrigger(run_date=due_at), args=(http, engine, post_id, channel_id),
                id=str(post_id), misfire_grace_time=None,
            )  # fmt: skip
            jobs += 1
    scheduler.start()
    print(f"ready: {jobs} jobs", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    scheduler.shutdown(wait=False)
    await http.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
