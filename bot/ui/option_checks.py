"""Option values are user input. Discord's client offers only the declared choices, ranges and
types, but a modified client (or a command schema older than the code) can send anything, so
every value is checked against what its command declares before the command runs."""

from __future__ import annotations

import math
from typing import Any

import discord
from discord import AppCommandOptionType as Kind
from discord import app_commands

from bot.render.user_text import escape_user_text

SNOWFLAKES = (Kind.user, Kind.channel, Kind.role, Kind.mentionable)


class ForgedOption(app_commands.CheckFailure):
    """A value no honest client sends; the message says which option and what it takes."""


def check_options(interaction: discord.Interaction) -> None:
    """Raises ``ForgedOption`` for the first option whose value its command does not offer."""
    command = interaction.command
    if not isinstance(command, app_commands.Command):
        return
    given = dict(iter(interaction.namespace))
    for param in command.parameters:
        if param.display_name in given:
            problem = _problem(param, given[param.display_name], interaction.guild)
            if problem is not None:
                raise ForgedOption(problem)


def _problem(param: app_commands.Parameter, value: Any, guild: discord.Guild | None) -> str | None:
    name = param.display_name
    low, high = param.min_value, param.max_value
    if param.type is Kind.string:
        if not isinstance(value, str):
            return f"{name} takes text."
        if _outside(len(value), low, high):
            return f"{name} takes {_span(low, high)} characters."
    elif param.type is Kind.integer:
        if type(value) is not int:
            return f"{name} takes a whole number."
        if _outside(value, low, high):
            return f"{name} takes a number {_span(low, high)}."
    elif param.type is Kind.number:
        if not isinstance(value, float) or not math.isfinite(value) or _outside(value, low, high):
            return f"{name} takes a number {_span(low, high)}."
    elif param.type is Kind.boolean:
        if type(value) is not bool:
            return f"{name} takes true or false."
    elif param.type in SNOWFLAKES:
        return _foreign(param, value, guild)
    if param.choices and value not in [c.value for c in param.choices]:
        shown = escape_user_text(str(value)[:40])
        return f'"{shown}" is not one of the choices for {name}: pick one from the list.'
    return None


def _foreign(param: app_commands.Parameter, value: Any, guild: discord.Guild | None) -> str | None:
    """A user, channel or role must come with Discord's data about it, and a channel or role
    must be this server's (discord.py gives resolved ones the interaction's guild, whatever
    their own, so they are looked up among the server's)."""
    name = param.display_name
    if type(value) is discord.Object:
        return f"{name} must be picked from the list Discord offers."
    if isinstance(value, discord.Role):
        foreign = guild is None or guild.get_role(value.id) is None
    elif isinstance(value, app_commands.AppCommandChannel | app_commands.AppCommandThread):
        foreign = guild is None or guild.get_channel_or_thread(value.id) is None
    else:
        foreign = False
    if foreign:
        return f"{name} must be from this server."
    kinds = param.channel_types
    if kinds and getattr(value, "type", None) not in kinds:
        return f"{name} must be a {' or '.join(k.name for k in kinds)} channel."
    return None


def _outside(value: float, low: float | None, high: float | None) -> bool:
    return (low is not None and value < low) or (high is not None and value > high)


def _span(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low:g} to {high:g}"
    if low is not None:
        return f"of at least {low:g}"
    return f"of at most {high:g}" if high is not None else "of any size"
