"""A click on a component nothing handles (a forged custom_id, an expired view, a button from a
version of the bot that had it) gets an answer instead of Discord's "This interaction failed"."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.app.command_errors import reply_privately

log = logging.getLogger("launchbot.buttons")

NO_LONGER_WORKS = "This button no longer works. Run the command again to get fresh buttons."


def has_handler(client: discord.Client, interaction: discord.Interaction) -> bool:
    """Whether discord.py will dispatch this click to a DynamicItem or a live view, by the same
    lookups as its view store (it offers no public query). If those internals ever change, every
    click counts as handled, which is the behaviour without this module."""
    data: Any = interaction.data or {}
    custom_id, component_type = data.get("custom_id"), data.get("component_type")
    store = getattr(getattr(client, "_connection", None), "_view_store", None)
    templates = getattr(store, "_dynamic_items", None)
    views = getattr(store, "_views", None)
    if not isinstance(custom_id, str) or templates is None or not isinstance(views, dict):
        return True
    if any(pattern.fullmatch(custom_id) for pattern in templates):
        return True
    key = (component_type, custom_id)
    message_id = interaction.message.id if interaction.message is not None else None
    return key in views.get(message_id, {}) or key in views.get(None, {})


def is_unknown_click(client: discord.Client, interaction: discord.Interaction) -> bool:
    return interaction.type is discord.InteractionType.component and not has_handler(
        client, interaction
    )


async def answer_unknown_click(interaction: discord.Interaction) -> None:
    data: Any = interaction.data or {}
    log.info("click on an unknown component in guild %s: %r", interaction.guild_id, data)
    await reply_privately(interaction, NO_LONGER_WORKS)
