"""What members see of their own reminders: the DM itself, the answers to subscribing, their
list, and the notice that their DMs could not be reached."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import discord

from bot.app import limits
from bot.domain.guild_settings import GuildSettingsRecord
from bot.domain.post_plan import PostKind
from bot.domain.records import LaunchRecord
from bot.domain.subscriptions import (
    UNSUBSCRIBE_AFTER,
    DmNotice,
    Subscribed,
    SubscribedTo,
    SubscriptionRecord,
)
from bot.render.scheduled_posts import OutgoingPost, launch_post
from bot.render.user_text import escape_user_text, user_text
from bot.render.when import when_short

WHY_THIS_DM = "-# You asked for this reminder. `/unsubscribe` in the server stops it."


def member_reminder(
    kind: PostKind,
    offset: timedelta,
    launch: LaunchRecord,
    settings: GuildSettingsRecord,
    *,
    late: bool,
) -> OutgoingPost:
    """The channel post's text, without the server's ping, and why the member got it."""
    quiet = dataclasses.replace(settings, ping_role_id=None)
    text = launch_post(kind, offset, launch, quiet, late=late).content
    content = limits.clip(text, limits.CONTENT - len(WHY_THIS_DM) - 1) + "\n" + WHY_THIS_DM
    return OutgoingPost(content, discord.AllowedMentions.none())


def _what(result: Subscribed | SubscriptionRecord) -> str:
    name = escape_user_text(result.name)
    return f"**{name}**" if result.to is SubscribedTo.LAUNCH else f"every **{name}** launch"


def subscribed(result: Subscribed) -> str:
    if result.changed:
        return f"🔔 You'll get reminders for {_what(result)} by DM."
    return f"You already get reminders for {_what(result)} by DM."


def unsubscribed(result: Subscribed) -> str:
    if result.changed:
        return f"🔕 You'll no longer get reminders for {_what(result)}."
    return f"You weren't subscribed to {_what(result)}."


def subscriptions_embed(found: list[SubscriptionRecord]) -> discord.Embed:
    embed = discord.Embed(title="Your reminders by DM", colour=discord.Colour.blurple())
    if not found:
        embed.description = (
            "None yet. Use `/subscribe`, or the **Remind me** button on a launch card."
        )
        return embed
    lines = []
    for item in found:
        if item.to is SubscribedTo.BRAND:
            lines.append(f"Every **{user_text(item.name, 80)}** launch")
        else:
            status = f" · {item.status.value}" if item.status else ""
            lines.append(
                f"`#{item.id}` **{user_text(item.name, 80)}** · {when_short(item.window)}{status}"
            )
    embed.description = limits.clip("\n".join(lines), limits.EMBED_DESCRIPTION)
    embed.set_footer(text="/unsubscribe stops one of them.")
    return embed


def dm_notice(notice: DmNotice) -> str:
    if notice is DmNotice.UNSUBSCRIBED:
        return (
            f"📭 I couldn't send you your reminders by DM {UNSUBSCRIBE_AFTER} times in a row, so "
            "I unsubscribed you. Allow direct messages from this server's members (Privacy "
            "Settings), then `/subscribe` again."
        )
    return (
        "📭 I couldn't send you a reminder by DM: your direct messages seem closed to me. Allow "
        "direct messages from this server's members (Privacy Settings) to keep getting them; "
        f"after {UNSUBSCRIBE_AFTER} failures in a row I unsubscribe you."
    )
