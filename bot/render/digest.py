"""The weekly digest's text: launches this week, then what is rumoured next.

Exact times are Discord timestamps (each member sees their own zone); day dates and vaguer
windows are text marked approximate, as in ``/launch upcoming``. The digest pings nobody: it is
a summary, and the reminders are what ping the server's role.
"""

from __future__ import annotations

import discord

from bot.app import limits
from bot.domain.digest import DigestContent
from bot.domain.records import LaunchRecord
from bot.render.scheduled_posts import OutgoingPost
from bot.render.user_text import user_text
from bot.render.when import when_short

HEADING = "📰 **Weekly digest: launches this week and what is rumoured next**"
LATE = "*(sent late: the bot was offline when it was due)*"


def weekly_digest(content: DigestContent, *, late: bool) -> OutgoingPost:
    week, later = list(content.week), list(content.later)
    text = _text(content, week, later, late)
    while len(text) > limits.CONTENT and (week or later):
        (later or week).pop()  # the furthest ahead goes first; the count says it is left out
        text = _text(content, week, later, late)
    return OutgoingPost(limits.clip(text, limits.CONTENT), discord.AllowedMentions.none())


def _text(
    content: DigestContent, week: list[LaunchRecord], later: list[LaunchRecord], late: bool
) -> str:
    parts = [
        HEADING,
        "",
        "📅 **This week**",
        *_section(week, content.week_total, "Nothing dated this week."),
        "",
        "🔮 **Rumoured next**",
        *_section(later, content.later_total, "Nothing further ahead yet."),
    ]
    if late:
        parts += ["", LATE]
    return "\n".join(parts)


def _section(shown: list[LaunchRecord], total: int, empty: str) -> list[str]:
    if not shown:
        return [empty] if total == 0 else [f"{total} launches: see `/launch upcoming`."]
    lines = [_line(launch) for launch in shown]
    if total > len(shown):
        lines.append(f"…and {total - len(shown)} more: see `/launch upcoming`.")
    return lines


def _line(launch: LaunchRecord) -> str:
    return (
        f"• `#{launch.id}` **{user_text(launch.title, 80)}** · {when_short(launch.window)} · "
        f"{launch.status.value}"
    )
