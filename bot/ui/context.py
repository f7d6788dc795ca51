"""Turning an interaction into the plain facts the domain wants, and shared replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.app import limits
from bot.domain.dates import render_short
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.permissions import MemberFacts, require_manager
from bot.domain.records import Actor, LaunchRecord
from bot.domain.text import NAME_MAX
from bot.render.when import APPROX
from bot.services.calendar import CalendarService

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot

NO_PINGS = discord.AllowedMentions.none()


def bot_of(interaction: discord.Interaction) -> LaunchBot:
    return interaction.client  # type: ignore[return-value]


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise NotAllowed("This command only works in a server.")
    return interaction.guild_id


def actor_of(interaction: discord.Interaction) -> Actor:
    """The member behind the interaction, with the facts the services check permissions on."""
    user = interaction.user
    return Actor(user.id, user.display_name[:NAME_MAX], member_facts(interaction))


def member_facts(interaction: discord.Interaction) -> MemberFacts:
    user = interaction.user
    perms = (
        user.guild_permissions if isinstance(user, discord.Member) else discord.Permissions.none()
    )
    roles = frozenset(r.id for r in user.roles) if isinstance(user, discord.Member) else frozenset()
    return MemberFacts(
        user_id=user.id,
        role_ids=roles,
        manage_events=perms.manage_events,
        manage_guild=perms.manage_guild,
        administrator=perms.administrator,
    )


async def ensure_editor(interaction: discord.Interaction) -> int:
    """For commands that check before they change anything (writes check inside their own
    transaction)."""
    guild_id = guild_id_of(interaction)
    await bot_of(interaction).runtime.calendar.require_editor(guild_id, actor_of(interaction))
    return guild_id


def ensure_manager(interaction: discord.Interaction) -> int:
    guild_id = guild_id_of(interaction)
    require_manager(member_facts(interaction))
    return guild_id


MAX_ROW_ID = 2**31 - 1


def launch_id_from(value: str, what: str = "launch") -> int:
    """Autocomplete values are user input: only a plain number that can be a row id passes."""
    text = value.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ROW_ID:
        raise InvalidInput(f"Pick a {what} from the suggestions (or type its number, like 12).")
    return int(text)


def launch_choice(launch: LaunchRecord) -> app_commands.Choice[str]:
    date = render_short(launch.window) if launch.window else "no date"
    approx = "" if launch.window is None or launch.window.precision.value == "exact" else APPROX
    name = f"#{launch.id} {launch.title} · {approx}{date} · {launch.status.value}"
    return app_commands.Choice(name=limits.clip(name, limits.CHOICE_NAME), value=str(launch.id))


def _typed_first(current: str, names: list[str]) -> list[app_commands.Choice[str]]:
    typed = current.strip()[: limits.CHOICE_VALUE]
    values = (
        names if not typed or typed.casefold() in (n.casefold() for n in names) else [typed, *names]
    )
    return [
        app_commands.Choice(name=limits.clip(v, limits.CHOICE_NAME), value=v[: limits.CHOICE_VALUE])
        for v in values
    ][: limits.CHOICES]


async def _suggest(
    interaction: discord.Interaction,
    current: str,
    lookup: Callable[[CalendarService, int, str], Awaitable[list[str]]],
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    names = await lookup(
        bot_of(interaction).runtime.calendar, interaction.guild_id, current[:NAME_MAX]
    )
    return _typed_first(current, names)


async def device_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Known devices and aliases; what was typed comes first when it names a new device."""
    return await _suggest(interaction, current, CalendarService.known_names)


async def brand_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Known brands; what was typed comes first when it names a new brand."""
    return await _suggest(interaction, current, CalendarService.brand_names)


async def launch_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await bot_of(interaction).runtime.calendar.search(
        interaction.guild_id, current[:NAME_MAX], limit=limits.CHOICES
    )
    return [launch_choice(v) for v in found]
