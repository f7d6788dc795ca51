"""Starting the real bot against the emulator, through the same BotApp that `launchbot run` uses."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app.runner import BotApp
from bot.config import load_settings
from bot.domain.clock import Clock, utc_now
from tests.emulator import Channel, Emulator, Guild, Member, Perm, Role

REPO = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.emulated.secret-token-value"
LAUNCHBOT = Path(sys.executable).with_name("launchbot")


@dataclass
class Server:
    """A small community: one guild with an editor, a member, a manager, and a second guild."""

    guild: Guild
    other: Guild
    general: Channel
    announcements: Channel
    editors: Role
    pings: Role
    editor: Member
    member: Member
    manager: Member
    outsider: Member


def build_server(emu: Emulator) -> Server:
    state = emu.state
    guild = state.add_guild("Phone Launches")
    other = state.add_guild("Other Server")
    editors = state.add_role(guild, "Calendar team", permissions=Perm.MANAGE_EVENTS)
    pings = state.add_role(guild, "Launch pings", mentionable=True)
    managers = state.add_role(guild, "Managers", permissions=Perm.MANAGE_GUILD)
    announcements = state.add_channel(guild, "launches")
    editor = state.add_member(guild, "editor", roles=[editors])
    member = state.add_member(guild, "member")
    manager = state.add_member(guild, "manager", roles=[managers])
    outsider = state.add_member(
        other, "outsider", roles=[state.add_role(other, "Mods", permissions=Perm.MANAGE_EVENTS)]
    )
    return Server(
        guild,
        other,
        guild.channel_named("general"),
        announcements,
        editors,
        pings,
        editor,
        member,
        manager,
        outsider,
    )


def bot_environment(emu: Emulator, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHBOT_")}
    env.update(
        LAUNCHBOT_CONFIG=str(REPO / "config.toml"),
        LAUNCHBOT_DATABASE_URL=db_url,
        LAUNCHBOT_DISCORD_API_BASE=emu.api_base,
        LAUNCHBOT_DISCORD_GATEWAY_URL=emu.gateway_url,
        DISCORD_TOKEN=TOKEN,
        # A weekly digest only where a test asks for one, so other tests' posts are their own.
        LAUNCHBOT_DEFAULT_DIGEST_DAY="off",
    )
    env.update(extra)
    return env


class RunningBot:
    def __init__(self, app: BotApp, task: asyncio.Task[None]) -> None:
        self.app = app
        self.task = task

    @property
    def bot(self):  # type: ignore[no-untyped-def]
        return self.app.bot

    async def stop(self) -> None:
        self.app.request_stop()
        await asyncio.wait_for(self.task, 15)


async def start_bot(emu: Emulator, db_url: str, clock: Clock = utc_now, **extra: str) -> RunningBot:
    settings = load_settings(bot_environment(emu, db_url, **extra))
    app = BotApp(settings, clock=clock, guild_ready_timeout=0.05)
    task = asyncio.create_task(app.run())
    ready = asyncio.create_task(app.bot.became_ready.wait())
    done, _ = await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()
        raise RuntimeError("the bot stopped before it was ready")
    if ready not in done:
        app.request_stop()
        raise TimeoutError("the bot did not become ready within 15 s")
    return RunningBot(app, task)


async def wait_for_log(caplog: pytest.LogCaptureFixture, needle: str, timeout: float = 15.0) -> str:
    """The first captured log message containing ``needle`` (logging can trail the reply)."""
    async with asyncio.timeout(timeout):
        while True:
            for record in caplog.records:
                message = record.getMessage()
                if needle in message:
                    return message
            await asyncio.sleep(0.01)
