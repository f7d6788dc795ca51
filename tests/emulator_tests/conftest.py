"""Fixtures for the emulator's own tests: an emulator, a small world, fast discord.py clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest

from tests.emulator import Channel, Emulator, Guild, Member, Perm, Role


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Iterator[None]:
    """apply_endpoints() is process-wide; put discord.py back as it was after each test."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


class FastClient(discord.Client):
    """discord.Client without the 5 s pause discord.py takes before a non-initial IDENTIFY."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def make_client(intents: discord.Intents | None = None, **options: Any) -> FastClient:
    # guild_ready_timeout: discord.py otherwise waits 2 s after the last GUILD_CREATE for on_ready.
    options.setdefault("guild_ready_timeout", 0.05)
    return FastClient(intents=intents or discord.Intents.default(), **options)


@dataclass
class World:
    guild: Guild
    other_guild: Guild
    general: Channel
    category: Channel
    staff_only: Channel
    announcements: Channel
    moderator: Role
    fans: Role
    alice: Member
    bob: Member
    mod: Member


def build_world(emu: Emulator) -> World:
    state = emu.state
    guild = state.add_guild("Phone Launches")
    other = state.add_guild("Other Server")
    moderator = state.add_role(
        guild, "Moderator", permissions=Perm.MANAGE_MESSAGES | Perm.MANAGE_EVENTS
    )
    fans = state.add_role(guild, "Fans", mentionable=True)
    category = state.add_category(guild, "Launches")
    staff_only = state.add_channel(
        guild,
        "staff",
        category=category,
        overwrites={guild.everyone: (0, Perm.VIEW_CHANNEL), moderator: (Perm.VIEW_CHANNEL, 0)},
    )
    announcements = state.add_channel(
        guild, "announcements", category=category, topic="launch news"
    )
    alice = state.add_member(guild, "alice", roles=[fans])
    bob = state.add_member(guild, "bob")
    mod = state.add_member(guild, "mod", roles=[moderator])
    state.add_member(other, alice.user)
    return World(
        guild,
        other,
        guild.channel_named("general"),
        category,
        staff_only,
        announcements,
        moderator,
        fans,
        alice,
        bob,
        mod,
    )


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


@pytest.fixture
def world(emu: Emulator) -> World:
    return build_world(emu)
