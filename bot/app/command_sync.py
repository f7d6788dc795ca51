"""Slash-command sync: only when the command schema changed since the last sync, or when forced.

The hash of the schema that was last synced to each scope (global, or the dev server) is kept
in the database, so restarts with unchanged commands make no sync request.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.services.bot_state import BotStateService

log = logging.getLogger("launchbot.sync")


def schema_hash(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> str:
    payload = sorted(
        (command.to_dict(tree) for command in tree.get_commands(guild=guild)),
        key=lambda c: (c.get("type", 1), c["name"]),
    )
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree[Any],
    *,
    application_id: int,
    dev_guild_id: int,
    state: BotStateService,
    force: bool = False,
) -> bool:
    """Syncs to the dev server when one is set, else globally. Returns whether it synced."""
    guild = discord.Object(id=dev_guild_id) if dev_guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    scope = f"guild:{dev_guild_id}" if guild else "global"
    key = f"commands:{application_id}:{scope}"
    digest = schema_hash(tree, guild)
    if not force and await state.get(key) == digest:
        log.info("commands unchanged for %s; not syncing", scope)
        return False
    synced = await tree.sync(guild=guild)
    await state.set(key, digest)
    log.info("synced %d commands to %s", len(synced), scope)
    return True
