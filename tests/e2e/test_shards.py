"""`launchbot run` with shards: one process running every shard answers commands and sends posts
in servers of each shard; on SQLite, a process that would leave shards to other processes, or a
second process on the same file, is refused at start with a sentence that says to use
PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests.e2e.calendar_helpers import answer_of, launch_id_of, run
from tests.e2e.test_process import BotProcess, spawn, start_process
from tests.emulator import Channel, Emulator, Guild, Member, Perm


@dataclass
class ShardServer:
    guild: Guild
    announcements: Channel
    manager: Member
    editor: Member


def _server_on(emu: Emulator, shard: int, count: int) -> ShardServer:
    state = emu.state
    guild = state.add_guild(f"Shard {shard} server", shard=(shard, count))
    managers = state.add_role(guild, "Managers", permissions=Perm.MANAGE_GUILD)
    editors = state.add_role(guild, "Editors", permissions=Perm.MANAGE_EVENTS)
    return ShardServer(
        guild,
        state.add_channel(guild, "launches"),
        state.add_member(guild, "manager", roles=[managers]),
        state.add_member(guild, "editor", roles=[editors]),
    )


@contextlib.asynccontextmanager
async def _killed_at_the_end() -> AsyncIterator[list[BotProcess]]:
    """The processes a test starts: killed at its end, however it ends."""
    started: list[BotProcess] = []
    try:
        yield started
    finally:
        for bot in started:
            if bot.process.returncode is None:
                bot.process.kill()
                await bot.wait_exit(timeout=15)


def _refusal(bot: BotProcess) -> str:
    assert not any("Traceback" in line for line in bot.lines), bot.lines
    lines = [line for line in bot.lines if line.startswith("launchbot: ")]
    assert len(lines) == 1, bot.lines
    assert "PostgreSQL" in lines[0] and "postgresql+asyncpg://" in lines[0], lines[0]
    return lines[0]


async def test_one_process_running_both_shards_serves_the_servers_of_each(
    emu: Emulator, db_url: str
) -> None:
    servers = [_server_on(emu, shard, 2) for shard in (0, 1)]
    async with _killed_at_the_end() as started:
        bot = await start_process(emu, db_url, args=["--shard-count", "2", "--shards", "0-1"])
        started.append(bot)
        await bot.wait_for_line("running shards 0-1 of 2")
        identified = sorted(e.detail["shard"] for e in emu.gateway.log if e.kind == "identify")
        assert identified == [[0, 2], [1, 2]]
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        for shard, server in enumerate(servers):
            saved = await run(
                emu, server.guild, server.manager, "settings", "set",
                announce_channel=server.announcements, reminder_offsets="1h",
            )  # fmt: skip
            assert saved.content == "Settings saved.", saved.content
            handle = await emu.invoke_slash(
                server.guild, server.editor, "launch", subcommand="add",
                options={"device": f"Phone {shard}", "brand": "Brand", "date": now},
            )  # fmt: skip
            assert handle.shards == [(shard, 2)]
            added = await answer_of(handle)
            assert not added.ephemeral, added.content
            launch = launch_id_of(added)
            info = await run(emu, server.guild, server.editor, "launch", "info", launch=launch)
            assert f"Phone {shard}" in info.embeds[0]["title"]
        # The launch-time post of each server, sent by the one process that owns both.
        for server in servers:
            post = await emu.wait_for_message(
                lambda m: m.nonce is not None and m.nonce.startswith("lbp"),
                channel=server.announcements,
                timeout=60,
            )
            assert post.guild_id == server.guild.id
        bot.process.terminate()
        assert await bot.wait_exit(timeout=20) == 0


async def test_sqlite_refuses_a_shard_range_that_leaves_shards_to_other_processes(
    emu: Emulator, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL serves any number of processes")
    async with _killed_at_the_end() as started:
        bot = await spawn(emu, db_url, args=["--shard-count", "3", "--shards", "0-1"])
        started.append(bot)
        assert await bot.wait_exit(timeout=60) == 1
        refused = _refusal(bot)
        assert "shards 0-1 of 3" in refused and "SQLite" in refused
        assert emu.gateway.identify_count == 0
        bot = await spawn(emu, db_url, LAUNCHBOT_SHARD_COUNT="2", LAUNCHBOT_SHARDS="1")
        started.append(bot)
        assert await bot.wait_exit(timeout=60) == 1
        assert "shards 1 of 2" in _refusal(bot)
        assert emu.gateway.identify_count == 0


async def test_sqlite_refuses_a_second_process_on_the_same_file(emu: Emulator, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL serves any number of processes")
    server = _server_on(emu, 0, 1)
    async with _killed_at_the_end() as started:
        first = await start_process(emu, db_url)
        started.append(first)
        second = await spawn(emu, db_url)
        started.append(second)
        assert await second.wait_exit(timeout=60) == 1
        refused = _refusal(second)
        assert f"pid {first.process.pid}" in refused and "another `launchbot run`" in refused
        assert emu.gateway.identify_count == 1  # the first process's alone
        answer = await run(emu, server.guild, server.manager, "about")
        assert answer.embeds[0]["title"] == "launchbot"
        # The lock goes with the process, however it ends: a restart after a kill starts.
        first.process.kill()
        await first.wait_exit(timeout=15)
        again = await start_process(emu, db_url)
        started.append(again)
        answer = await run(emu, server.guild, server.manager, "about")
        assert answer.embeds[0]["title"] == "launchbot"
        again.process.terminate()
        assert await again.wait_exit(timeout=20) == 0
