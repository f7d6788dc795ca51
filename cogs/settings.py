"""/settings: where the bot posts, who edits, the server's zone, reminders and digest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import InvalidInput
from bot.domain.guilds import WEEKDAYS, GuildSettingsView
from bot.domain.offsets import format_offsets
from bot.domain.settings_service import SettingsChange
from bot.ui.context import NO_PINGS, actor_of, ensure_manager, guild_id_of
from bot.ui.zones import zone_autocomplete

if TYPE_CHECKING:
    from bot.discord_bot import LaunchBot

CLEARABLE = ("announce_channel", "ping_role", "editor_role")
DAY_CHOICES = [app_commands.Choice(name=d.capitalize(), value=d) for d in (*WEEKDAYS, "off")]


def settings_embed(view: GuildSettingsView) -> discord.Embed:
    def channel(cid: int | None) -> str:
        return f"<#{cid}>" if cid else "not set (no announcements)"

    def role(rid: int | None, empty: str) -> str:
        return f"<@&{rid}>" if rid else empty

    digest = (
        "off"
        if view.digest_weekday is None
        else (f"{WEEKDAYS[view.digest_weekday].capitalize()} {view.digest_time}")
    )
    embed = discord.Embed(title="Server settings", colour=discord.Colour.blurple())
    embed.add_field(name="Announce channel", value=channel(view.announce_channel_id), inline=False)
    embed.add_field(name="Ping role", value=role(view.ping_role_id, "none (no pings)"))
    embed.add_field(name="Editor role", value=role(view.editor_role_id, "Manage Events only"))
    embed.add_field(name="Time zone", value=view.timezone)
    embed.add_field(name="Reminders", value=format_offsets(list(view.reminder_offsets)) or "off")
    embed.add_field(name="Weekly digest", value=digest)
    embed.add_field(name="Change notices", value="on" if view.change_notices else "off")
    embed.add_field(name="Discord events", value="on" if view.scheduled_events else "off")
    return embed


def _check_channel(channel: discord.TextChannel) -> None:
    me = channel.guild.me
    perms = channel.permissions_for(me)
    missing = [
        name
        for name, ok in (
            ("View Channel", perms.view_channel),
            ("Send Messages", perms.send_messages),
            ("Embed Links", perms.embed_links),
        )
        if not ok
    ]
    if missing:
        raise InvalidInput(
            f"I can't post in {channel.mention}: I need {', '.join(missing)} there. "
            "Pick another channel or give me those permissions."
        )


def _check_role(role: discord.Role, what: str) -> None:
    if role.is_default():
        raise InvalidInput(f"@everyone can't be the {what}; pick or create a dedicated role.")
    if role.managed:
        raise InvalidInput(f"{role.mention} belongs to an integration; pick another {what}.")


class Settings(commands.GroupCog, name="settings", description="Server settings for launchbot"):
    def __init__(self, bot: LaunchBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Show this server's launchbot settings")
    async def show(self, interaction: discord.Interaction) -> None:
        view = await self.bot.runtime.guild_settings.get(guild_id_of(interaction))
        await interaction.response.send_message(
            embed=settings_embed(view), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="set", description="Change settings (needs Manage Server)")
    @app_commands.describe(
        announce_channel="Where change notices, reminders and digests go",
        ping_role="The only role reminders may ping",
        editor_role="Members with this role may change launches",
        timezone="IANA zone, e.g. Europe/Berlin",
        reminder_offsets='Reminders before a launch, e.g. "1d, 1h" (or "off")',
        digest_day="Weekly digest day",
        digest_time="Digest time, HH:MM in the server's zone",
        change_notices="Post a notice when a date or status changes",
        scheduled_events="Mirror confirmed launches in the Events tab",
        clear="Unset one of the channel or role settings",
    )
    @app_commands.autocomplete(timezone=zone_autocomplete)
    @app_commands.choices(
        digest_day=DAY_CHOICES,
        clear=[app_commands.Choice(name=c.replace("_", " "), value=c) for c in CLEARABLE],
    )
    async def set(
        self,
        interaction: discord.Interaction,
        announce_channel: discord.TextChannel | None = None,
        ping_role: discord.Role | None = None,
        editor_role: discord.Role | None = None,
        timezone: str | None = None,
        reminder_offsets: str | None = None,
        digest_day: str | None = None,
        digest_time: str | None = None,
        change_notices: bool | None = None,
        scheduled_events: bool | None = None,
        clear: str | None = None,
    ) -> None:
        guild_id = ensure_manager(interaction)
        values: dict[str, Any] = {}
        if announce_channel is not None:
            _check_channel(announce_channel)
            values["announce_channel_id"] = announce_channel.id
        if ping_role is not None:
            _check_role(ping_role, "ping role")
            values["ping_role_id"] = ping_role.id
        if editor_role is not None:
            _check_role(editor_role, "editor role")
            values["editor_role_id"] = editor_role.id
        if reminder_offsets is not None and reminder_offsets.strip().lower() == "off":
            reminder_offsets = ""
        optional = {
            "timezone": timezone,
            "reminder_offsets": reminder_offsets,
            "digest_day": digest_day,
            "digest_time": digest_time,
            "change_notices": change_notices,
            "scheduled_events": scheduled_events,
        }
        values.update({k: v for k, v in optional.items() if v is not None})
        if clear:
            values[f"{clear}_id"] = None
        view = await self.bot.runtime.guild_settings.update(
            guild_id, actor_of(interaction), SettingsChange(**values)
        )
        await interaction.response.send_message(
            "Settings saved.", embed=settings_embed(view), ephemeral=True, allowed_mentions=NO_PINGS
        )


async def setup(bot: LaunchBot) -> None:
    await bot.add_cog(Settings(bot))
