"""Change notices: "Xiaomi 12: 12 Dec 2021 (rumored, MyDrivers) → 28 Dec 2021 19:30 (…, Xiaomi)"."""

from __future__ import annotations

from discord.utils import escape_markdown, escape_mentions

from bot.app import limits
from bot.domain.dates import render_short
from bot.domain.records import ClaimRecord, LaunchRecord


def _state(launch: LaunchRecord, source: str | None) -> str:
    date = render_short(launch.window) if launch.window else "no date"
    who = f", {source}" if source else ""
    return f"{date} ({launch.status.value}{who})"


def change_notice(
    before: LaunchRecord, after: LaunchRecord, before_source: str | None, source: ClaimRecord | None
) -> str:
    name = escape_mentions(escape_markdown(after.device))
    author = source.author if source and source.author else None
    line = f"**{name}**: {_state(before, before_source)} → {_state(after, author)}"
    if source and source.source_url:
        line += f"\nSource: <{source.source_url}>"
    return limits.clip(line, limits.CONTENT)
