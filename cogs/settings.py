"""/settings: where the bot posts, who edits, the server's zone, reminders and digest."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.replies import DEFERS_PRIVATE, reply
from bot.domain.errors import InvalidInput
from bot.domain.guild_settings import WEEKDAYS, GuildSettingsRecord, format_statuses
from bot.domain.inputs import UNSET, SettingsChange, Unset
from bot.domain.offsets import format_offsets
from bot.render.post_summary import post_counts, post_problems
from bot.ui.context import NO_PINGS, actor_of, ensure_manager, guild_id_of
from bot.ui.option_checks import check_options
from bot.ui.zone_choices import zone_autocomplete

if TYPE_CHECKING:
    from bot.app.launch_bot import LaunchBot

T = TypeVar("T")
CLEARABLE = ("announce_channel", "ping_role", "editor_role")
DAY_CHOICES = [app_commands.Choice(name=d.capitalize(), value=d) for d in (*WEEKDAYS, "off")]


def _given(value: T | None) -> T | Unset:
    return UNSET if value is None else value


def _id_change(
    name: str, chosen: discord.abc.Snowflake | None, clear: str | None
) -> int | Unset | None:
    """The chosen channel's or role's id; ``None`` when ``clear`` names this setting."""
    if clear == name:
        return None
    return UNSET if chosen is None else chosen.id


def settings_embed(view: GuildSettingsRecord) -> discord.Embed:
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
    embed.add_field(name="Pings for", value=format_statuses(view.ping_statuses))
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


# Discord shows /settings to Manage Server by default (admins may change that in Server Settings >
# Integrations); /settings set still checks for itself.
@app_commands.guild_only()
@app_commands.guild_install()
@app_commands.default_permissions(manage_guild=True)
class Settings(commands.GroupCog, name="settings", description="Server settings for launchbot"):
    def __init__(self, bot: LaunchBot) -> None:
        self.bot = bot
        super().__init__()

    def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        check_options(interaction)  # before discord.py converts them: every value is user input
        return True

    @app_commands.command(name="show", description="Show this server's launchbot settings")
    async def show(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        view = await self.bot.runtime.guild_settings.get(guild_id)
        embed = settings_embed(view)
        posts = await self.bot.runtime.deliveries.summary(guild_id)
        embed.add_field(name="Scheduled posts", value=post_counts(posts), inline=False)
        problems = post_problems(posts)
        if problems:
            embed.add_field(name="Latest problems", value=problems, inline=False)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(
        name="set", description="Change settings (needs Manage Server)", extras=DEFERS_PRIVATE
    )
    @app_commands.describe(
        announce_channel="Where change notices, reminders and digests go",
        ping_role="The only role reminders may ping",
        editor_role="Members with this role may change launches",
        timezone="IANA zone, e.g. Europe/Berlin",
        reminder_offsets='Reminders before a launch, e.g. "1w, 1d, 1h" (or "off")',
        ping_statuses='Launch statuses whose reminders ping the role, e.g. "confirmed" (or "none")',
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
        ping_statuses: str | None = None,
        digest_day: str | None = None,
        digest_time: str | None = None,
        change_notices: bool | None = None,
        scheduled_events: bool | None = None,
        clear: str | None = None,
    ) -> None:
        guild_id = ensure_manager(interaction)
        if announce_channel is not None:
            _check_channel(announce_channel)
        if ping_role is not None:
            _check_role(ping_role, "ping role")
        if editor_role is not None:
            _check_role(editor_role, "editor role")
        if reminder_offsets is not None and reminder_offsets.strip().lower() == "off":
            reminder_offsets = ""
        change = SettingsChange(
            announce_channel_id=_id_change("announce_channel", announce_channel, clear),
            ping_role_id=_id_change("ping_role", ping_role, clear),
            editor_role_id=_id_change("editor_role", editor_role, clear),
            timezone=_given(timezone),
            reminder_offsets=_given(reminder_offsets),
            ping_statuses=_given(ping_statuses),
            digest_day=_given(digest_day),
            digest_time=_given(digest_time),
            change_notices=_given(change_notices),
            scheduled_events=_given(scheduled_events),
        )
        view = await self.bot.runtime.guild_settings.update(guild_id, actor_of(interaction), change)
        await reply(
            interaction,
            "Settings saved.",
            embed=settings_embed(view),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: LaunchBot) -> None:
    await bot.add_cog(Settings(bot))
