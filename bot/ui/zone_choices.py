"""Time-zone suggestions for options that take an IANA zone name."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

import discord
from discord import app_commands

from bot.app import limits


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


async def zone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower().replace(" ", "_")
    found = [z for z in _zones() if needle in z.lower()][: limits.CHOICES]
    return [app_commands.Choice(name=z, value=z) for z in found]
