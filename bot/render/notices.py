"""Change notices: "Xiaomi 12: 12 Dec 2021 (rumored, MyDrivers) → 28 Dec 2021 19:30 (…, Xiaomi)"."""

from __future__ import annotations

import discord

from bot.app import limits
from bot.domain.change_notice import ChangeNotice, NoticeSide
from bot.domain.dates import render_short
from bot.render.scheduled_posts import LATE_NOTE, OutgoingPost
from bot.render.user_text import escape_user_text


def _state(side: NoticeSide) -> str:
    date = render_short(side.window) if side.window else "no date"
    who = f", {escape_user_text(side.source)}" if side.source else ""
    return f"{date} ({side.status.value}{who})"


def change_notice(notice: ChangeNotice, *, late: bool = False) -> str:
    name = escape_user_text(notice.device)
    line = f"**{name}**: {_state(notice.before)} → {_state(notice.after)}"
    if late:
        line += LATE_NOTE
    if notice.source_url:
        line += f"\nSource: <{notice.source_url}>"
    return limits.clip(line, limits.CONTENT)


def notice_message(notice: ChangeNotice, *, late: bool) -> OutgoingPost:
    """A notice pings nobody: the names and sources in it are user text."""
    return OutgoingPost(change_notice(notice, late=late), discord.AllowedMentions.none())
