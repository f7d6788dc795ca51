"""One place that turns any command failure into a message for the user.

Expected failures (bad input, missing permission, cooldown...) get a clear sentence. Anything
else gets a short error id; the full trace is logged under the same id.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

import discord
from discord import app_commands

from bot.app.replies import reply
from bot.domain.errors import DomainError, NotAllowed
from bot.render.user_text import escape_user_text

log = logging.getLogger("launchbot.errors")


@dataclass(frozen=True, slots=True)
class Explanation:
    message: str
    error_id: str | None = None


def _perms(names: list[str]) -> str:
    return ", ".join(n.replace("_", " ").replace("guild", "server").title() for n in names)


def explain(error: Exception) -> Explanation:
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original if isinstance(error.original, Exception) else error
    if isinstance(error, NotAllowed):  # the bot's own words, which may name the editor role
        return Explanation(str(error))
    if isinstance(error, DomainError):  # it may quote what was typed, or a stored name
        return Explanation(escape_user_text(str(error)))
    if isinstance(error, app_commands.MissingPermissions):
        return Explanation(f"You need the {_perms(error.missing_permissions)} permission for this.")
    if isinstance(error, app_commands.BotMissingPermissions):
        return Explanation(
            f"I need the {_perms(error.missing_permissions)} permission here to do that."
        )
    if isinstance(error, app_commands.MissingRole | app_commands.MissingAnyRole):
        return Explanation("You don't have the role this command needs.")
    if isinstance(error, app_commands.NoPrivateMessage):
        return Explanation("This command only works in a server, not in direct messages.")
    if isinstance(error, app_commands.CommandOnCooldown):
        return Explanation(f"Slow down a little: try again in {error.retry_after:.0f} s.")
    if isinstance(error, app_commands.TransformerError):
        shown = escape_user_text(str(error.value)[:50])
        return Explanation(f'"{shown}" is not a valid {error.type.name.lower()} here.')
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return Explanation("This command was just updated. Please try again in a minute.")
    if isinstance(error, app_commands.CheckFailure):
        text = str(error)
        return Explanation(text if text else "You can't use this command here.")
    if isinstance(error, discord.Forbidden):
        return Explanation("Discord refused that: I am missing a permission in this channel.")
    return Explanation("", error_id=secrets.token_hex(4))


async def reply_privately(interaction: discord.Interaction, content: str) -> None:
    """Sends an ephemeral message whether or not the interaction was answered (or deferred)."""
    try:
        await reply(
            interaction, content, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
    except discord.HTTPException as exc:
        log.warning("could not tell the user about an error: %s", exc)


async def handle_command_error(interaction: discord.Interaction, error: Exception) -> None:
    explanation = explain(error)
    command = interaction.command.qualified_name if interaction.command else "?"
    if explanation.error_id is None:
        log.info("command %s refused: %s", command, explanation.message)
        await reply_privately(interaction, explanation.message)
        return
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    log.error(
        "unexpected error %s in command %s (guild %s, user %s)",
        explanation.error_id,
        command,
        interaction.guild_id,
        interaction.user.id,
        exc_info=(type(original), original, original.__traceback__),
        extra={"error_id": explanation.error_id},
    )
    await reply_privately(
        interaction,
        f"Something went wrong on our side (error id `{explanation.error_id}`). "
        "It has been logged; please try again later.",
    )
