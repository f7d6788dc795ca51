"""Time-zone suggestions for options that take an IANA zone name: found by city, country or
common name, each shown with its UTC offset right now."""

from __future__ import annotations

from datetime import datetime

import discord
from discord import app_commands

from bot.app import limits
from bot.domain.zone_search import ZoneMatch, find_zones, utc_offset_now
from bot.ui.context import bot_of


def zone_choice_name(match: ZoneMatch, now: datetime) -> str:
    """``Asia/Shanghai · UTC+08:00 · China · Shenzhen``"""
    parts = [match.zone]
    offset = utc_offset_now(match.zone, now)
    if offset != match.zone:
        parts.append(offset)
    parts += [p for p in (match.country, match.found_as) if p]
    unique = list(dict.fromkeys(parts))
    return limits.clip(" · ".join(unique), limits.CHOICE_NAME)


async def zone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    now = bot_of(interaction).clock()
    return [
        app_commands.Choice(name=zone_choice_name(match, now), value=match.zone)
        for match in find_zones(current[: limits.CHOICE_VALUE], limits.CHOICES)
    ]
