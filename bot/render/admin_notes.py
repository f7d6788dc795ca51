"""The note that tells a server's admins a scheduled post was refused: what failed, Discord's
reason in plain words, and what to do. Plain text, no embed (a channel that refuses embeds may
still take it), pinging nobody."""

from __future__ import annotations

import discord
from discord.utils import format_dt

from bot.app import limits
from bot.domain.admin_note import AdminNote, PostFailure, kind_name
from bot.render.scheduled_posts import OutgoingPost
from bot.render.user_text import escape_user_text, user_text

MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
NOT_A_TEXT_CHANNEL = (50008, 50024)
BLOCKED_BY_AUTOMOD = (200000, 200001)
SET_CHANNEL = "choose another channel with `/settings set announce_channel:`"
ABOUT = 120
"""Characters of the launch's title shown (a device name and a region)."""


def admin_note_message(note: AdminNote) -> OutgoingPost:
    failure = note.failure
    why, fix = explain(failure)
    answered = f"Discord answered {failure.status}" + (
        f", code {failure.code}" if failure.code else ""
    )
    lines = [
        f"⚠️ A scheduled post could not be sent {format_dt(note.at, 'R')}: {_what(failure)}.",
        f"Why: {why} ({answered}).",
        f"What to do: {fix}. `/settings show` lists the posts that failed; this note is sent "
        "once for this problem, not for every post it affects.",
    ]
    return OutgoingPost(
        limits.clip("\n".join(lines), limits.CONTENT), discord.AllowedMentions.none()
    )


def _what(failure: PostFailure) -> str:
    what = f"the {escape_user_text(kind_name(failure.kind))}"
    if failure.about:
        what += f" for **{user_text(failure.about, ABOUT)}**"
    return what


def explain(failure: PostFailure) -> tuple[str, str]:
    """Discord's refusal in plain words, and what an admin can do about it."""
    channel, status, code = f"<#{failure.channel_id}>", failure.status, failure.code
    if status == 404:
        return "the channel no longer exists", SET_CHANNEL
    if status == 403 and code == MISSING_ACCESS:
        return (
            f"the bot cannot see {channel}",
            f"give the bot View Channel and Send Messages in {channel}, or {SET_CHANNEL}",
        )
    if status == 403 and code == MISSING_PERMISSIONS:
        return (
            f"the bot lacks permission to send messages in {channel}",
            f"give the bot Send Messages in {channel}, or {SET_CHANNEL}",
        )
    if status == 403:
        return (
            f"Discord refused the bot access to {channel}",
            f"check the bot's permissions in {channel}, or {SET_CHANNEL}",
        )
    if code in NOT_A_TEXT_CHANNEL:
        return (
            f"{channel} does not take messages",
            "choose a text channel with `/settings set announce_channel:`",
        )
    if code in BLOCKED_BY_AUTOMOD:
        return (
            f"the server's AutoMod blocked it in {channel}",
            "check the AutoMod rules in Server Settings, or exempt the bot's role from them",
        )
    return (
        f"Discord refused the post in {channel}",
        "this is likely a fault in the bot; please report it with the time of this note",
    )
