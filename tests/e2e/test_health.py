"""/healthz through the real bot and the emulator: healthy; the gateway lost (the emulator drops the
connection and refuses to take it back for a while); the database gone (SQLite's file moved away,
PostgreSQL refusing connections); the dispatcher's scheduler stopped. Each failure is a 503 that
names its check, and the bot recovers to 200 when the cause goes away."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.e2e.harness import LAUNCHBOT, RunningBot, Server, bot_environment, start_bot
from tests.e2e.ops_helpers import LISTEN, failing_only, health, healthy, until_health
from tests.emulator import Emulator
from tests.support import databases


def _address(bot: RunningBot) -> tuple[str, int]:
    address = bot.app.http_address
    assert address is not None, "the endpoint is not served"
    return address


@pytest.fixture
async def bot(emu: Emulator, server: Server, db_url: str) -> AsyncIterator[RunningBot]:
    running = await start_bot(emu, db_url, **LISTEN)
    try:
        yield running
    finally:
        await running.stop()


async def test_healthz_is_200_with_every_check_passing(bot: RunningBot, db_url: str) -> None:
    status, body = await health(_address(bot))
    assert status == 200, body
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    assert body["status"] == "ok" and body["failing"] == []
    checks = body["checks"]
    assert checks["database"] == {"ok": True, "backend": backend}
    assert checks["gateway"]["ok"] is True
    assert list(checks["gateway"]["shards"]) == ["0"]
    assert checks["gateway"]["shards"]["0"]["connected"] is True
    assert checks["dispatcher"]["ok"] is True
    assert checks["dispatcher"]["last_look_seconds_ago"] >= 0


async def test_a_lost_gateway_is_503_naming_it_until_the_bot_is_back(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    address = _address(bot)
    await until_health(address, healthy)
    refused = emu.faults.fail_next("GET", "/gateway*", count=None, status=503)
    await emu.drop_gateway()
    _, body = await until_health(address, failing_only("gateway"))
    gateway = body["checks"]["gateway"]
    assert gateway["error"] == "disconnected from Discord: shard 0", gateway
    assert gateway["shards"]["0"]["connected"] is False
    assert body["checks"]["database"]["ok"] and body["checks"]["dispatcher"]["ok"]
    # still down while the emulator refuses it (discord.py tries again and again meanwhile)
    async with asyncio.timeout(30):
        while True:
            if refused.hits:
                break
            await asyncio.sleep(0.05)
    assert (await health(address))[0] == 503
    emu.faults.remove(refused)
    await until_health(address, healthy, timeout=60)  # discord.py's backoff grows with each try
    handle = await emu.invoke_slash(server.guild, server.member, "about")
    assert (await handle.wait_response()).embeds[0]["title"] == "launchbot"


@dataclass
class Outage:
    url: str
    take_down: Callable[[], Awaitable[None]]
    bring_back: Callable[[], Awaitable[None]]
    error: str


@pytest.fixture
async def outage(db_url: str) -> AsyncIterator[Outage]:
    """A database the test can take away and give back: SQLite's file moved elsewhere and back,
    or a scratch PostgreSQL database that stops accepting connections (its own are ended)."""
    if db_url.startswith("sqlite"):
        path = Path(make_url(db_url).database or "")
        away = path.with_name("moved-away.db")

        async def move_away() -> None:
            os.rename(path, away)

        async def move_back() -> None:
            os.rename(away, path)

        yield Outage(db_url, move_away, move_back, f"the database file {path} has been deleted")
        return
    server = databases.postgres_server_url()
    assert server is not None
    scratch = await databases.create_postgres_database(server, "health")
    name = scratch.database
    admin = await asyncpg.connect(
        server.set(drivername="postgresql").render_as_string(hide_password=False)
    )

    async def refuse() -> None:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )

    async def accept() -> None:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    try:
        url = scratch.render_as_string(hide_password=False)
        await databases.migrate_to_head(url)
        yield Outage(url, refuse, accept, f'database "{name}" is not currently accepting')
    finally:
        await accept()
        await admin.close()
        await databases.drop_postgres_database(server, scratch)


async def test_a_lost_database_is_503_naming_it_until_it_is_back(
    emu: Emulator, server: Server, outage: Outage
) -> None:
    running = await start_bot(emu, outage.url, **LISTEN)
    try:
        address = _address(running)
        await until_health(address, healthy)
        await outage.take_down()
        _, body = await until_health(address, failing_only("database"))
        database = body["checks"]["database"]
        assert outage.error in database["error"], database
        assert body["checks"]["gateway"]["ok"] and body["checks"]["dispatcher"]["ok"]
        await outage.bring_back()
        await until_health(address, healthy)
    finally:
        await running.stop()


async def test_a_stopped_dispatcher_is_503_naming_it(bot: RunningBot) -> None:
    address = _address(bot)
    await until_health(address, healthy)
    bot.bot.scheduler.shutdown(wait=False)
    _, body = await until_health(address, failing_only("dispatcher"))
    assert body["checks"]["dispatcher"]["error"] == "its scheduler has stopped"


async def test_a_port_in_use_stops_the_start_with_one_clear_line(
    emu: Emulator, db_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_environment(emu, db_url, LAUNCHBOT_HTTP_LISTEN=f"127.0.0.1:{port}")
        process = await asyncio.create_subprocess_exec(
            str(LAUNCHBOT), "run", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 1
    output = stderr.decode()
    assert output.strip().splitlines()[-1] == (
        f"launchbot: cannot serve /healthz and /metrics on 127.0.0.1:{port} (http.listen, "
        "LAUNCHBOT_HTTP_LISTEN): the address is already in use (another process listens there)"
    )
    assert "Traceback" not in output
    assert emu.gateway.identify_count == 0, "it must stop before it connects"


async def test_while_draining_it_says_stopping_and_it_is_closed_after(
    emu: Emulator, server: Server, db_url: str
) -> None:
    running = await start_bot(emu, db_url, **LISTEN)
    try:
        address = _address(running)
        await until_health(address, healthy)
        answer = emu.faults.slow(
            "POST", "/interactions/{interaction_id}/{interaction_token}/callback", 1.5, count=1
        )
        handle = await emu.invoke_slash(server.guild, server.member, "about")
        async with asyncio.timeout(15):  # the answer is on its way: the command is in flight
            while True:
                if answer.hits:
                    break
                await asyncio.sleep(0.01)
        running.app.request_stop()
        status, body = await health(address)
        assert (status, body["status"]) == (503, "stopping"), body
        assert (await handle.wait_response()).embeds[0]["title"] == "launchbot"
    finally:
        await running.stop()
    assert running.app.endpoint is None
    with pytest.raises(aiohttp.ClientConnectionError):
        await health(address)
