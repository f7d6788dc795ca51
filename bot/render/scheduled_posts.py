"""The text of a scheduled post about a launch: a reminder before it, or the post at the launch.

The only mention a post may carry is the server's ping role, and only when the launch's status
is one the server chose to ping for; user text inside never pings anyone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import discord
from discord.utils import format_dt

from bot.app import limits
from bot.domain.dates import Precision, render_date
from bot.domain.guild_settings import GuildSettingsRecord
from bot.domain.post_plan import PostKind
from bot.domain.records import LaunchRecord
from bot.render.user_text import escape_user_text

_PLAIN_URL = re.compile(r"https?://[^\s<>`|*_~\\]+")
LATE_NOTE = " *(sent late: the bot was offline when it was due)*"


@dataclass(frozen=True, slots=True)
class OutgoingPost:
    content: str
    allowed_mentions: discord.AllowedMentions
    view: discord.ui.View | None = None
    """Buttons under the post (DynamicItems only: nothing is kept for them after sending)."""
    reply_to: int | None = None
    """A message in the same channel the post answers; a plain post if it is gone by then."""


def launch_post(
    kind: PostKind,
    offset: timedelta,
    launch: LaunchRecord,
    settings: GuildSettingsRecord,
    *,
    late: bool,
) -> OutgoingPost:
    title = f"**{escape_user_text(launch.title)}**"
    window = launch.window
    if window is None:  # a post is planned only for a dated launch; kept safe all the same
        text = f"{title}: no date any more."
    elif kind is PostKind.LAUNCH:
        text = _at_launch(title, launch)
    elif window.precision is Precision.EXACT:
        text = (
            f"⏰ {title} launches {format_dt(window.start, 'R')} "
            f"({format_dt(window.start, 'F')}) · {launch.status.value}"
        )
    else:
        days = offset.days
        when = "tomorrow" if days == 1 else f"in {days} days"
        text = f"⏰ {title} launches {when}: {render_date(window)} · {launch.status.value}"
    role = settings.ping_role_id
    ping = role is not None and launch.status in settings.ping_statuses
    prefix = f"<@&{role}> " if ping else ""
    content = limits.clip(prefix + text + (LATE_NOTE if late else ""), limits.CONTENT)
    mentions = discord.AllowedMentions(
        everyone=False,
        users=False,
        roles=[discord.Object(role)] if ping and role is not None else False,
    )
    return OutgoingPost(content, mentions)


def _at_launch(title: str, launch: LaunchRecord) -> str:
    window = launch.window
    assert window is not None
    if window.precision is Precision.EXACT:
        text = f"🚀 {title} launches now ({format_dt(window.start, 't')})"
    else:
        text = f"🚀 {title} launches today ({render_date(window)})"
    url = launch.livestream_url
    if url:
        shown = f"<{url}>" if _PLAIN_URL.fullmatch(url) else escape_user_text(url)
        text += f" · livestream: {shown}"
    return text
