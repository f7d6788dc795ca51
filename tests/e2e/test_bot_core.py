"""The bot core against the emulator: login, command sync, /about, reconnect, errors, logging."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot.db.engine import create_engine
from tests.e2e.conftest import StartBot
from tests.e2e.harness import TOKEN, RunningBot, Server, wait_for_log
from tests.emulator import Emulator


def _fields(embed: dict[str, object]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}  # type: ignore[index, union-attr]


async def test_login_sync_and_about(
    emu: Emulator, server: Server, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert {g.id for g in bot.bot.guilds} == {server.guild.id, server.other.id}
    assert len(emu.command_syncs) == 1 and emu.command_syncs[0].guild_id is None
    names = {c["name"] for c in emu.commands()}
    assert {"about", "launch", "rumor", "settings"} <= names

    handle = await emu.invoke_slash(server.guild, server.member, "about")
    response = await handle.wait_response()
    assert response.ephemeral
    embed = response.embeds[0]
    assert embed["title"] == "launchbot"
    fields = _fields(embed)
    assert fields["Database"] in ("sqlite", "postgresql")
    assert fields["Launches in this server"] == "0"
    assert fields["Version"] == "0.1.0"

    line = await wait_for_log(caplog, "command=/about")
    assert f"guild={server.guild.id}" in line and f"user={server.member.user.id}" in line
    assert "command=/about" in line and "latency_ms=" in line and "outcome=ok" in line
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_second_start_with_same_commands_does_not_sync(
    emu: Emulator, server: Server, launch_bot: StartBot
) -> None:
    first = await launch_bot()
    assert len(emu.command_syncs) == 1
    await first.stop()
    second = await launch_bot()
    assert second.bot.synced is False
    assert len(emu.command_syncs) == 1
    handle = await emu.invoke_slash(server.guild, server.member, "about")
    assert (await handle.wait_response()).embeds[0]["title"] == "launchbot"


async def test_dev_guild_gets_the_commands(
    emu: Emulator, server: Server, launch_bot: StartBot
) -> None:
    await launch_bot(LAUNCHBOT_DEV_GUILD_ID=str(server.guild.id))
    assert [s.guild_id for s in emu.command_syncs] == [server.guild.id]
    assert {"about", "launch"} <= {c["name"] for c in emu.commands(server.guild)}


async def test_reconnects_after_the_gateway_drops(
    emu: Emulator, server: Server, bot: RunningBot
) -> None:
    await emu.drop_gateway()
    await emu.gateway.wait_for("resume", timeout=20)
    handle = await emu.invoke_slash(server.guild, server.member, "about")
    assert (await handle.wait_response()).embeds[0]["title"] == "launchbot"


async def test_unexpected_error_gives_an_error_id_and_logs_the_trace(
    emu: Emulator, server: Server, bot: RunningBot, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE launches RENAME TO launches_moved"))
        handle = await emu.invoke_slash(server.guild, server.member, "about")
        response = await handle.wait_response()
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE launches_moved RENAME TO launches"))
        await engine.dispose()
    assert response.ephemeral
    assert response.content is not None and "error id `" in response.content
    error_id = response.content.split("`")[1]
    await wait_for_log(caplog, error_id)
    traced = [r for r in caplog.records if error_id in r.getMessage()]
    assert traced and traced[0].exc_info is not None
    assert "launches" in str(traced[0].exc_info[1])
