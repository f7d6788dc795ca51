"""The launch card: everything about one launch in one embed."""

from __future__ import annotations

from datetime import datetime

import discord
from discord.utils import format_dt

from bot.app import limits
from bot.app.limits import clip
from bot.domain.dates import render_short
from bot.domain.polls import PollRecord
from bot.domain.records import ClaimRecord, LaunchRecord
from bot.domain.text import REGION_MAX
from bot.domain.vocabulary import ClaimSubject, LaunchStatus
from bot.render.launch_polls import polls_field
from bot.render.user_text import escape_user_text, user_text
from bot.render.when import when_long

STATUS_COLOURS = {
    LaunchStatus.RUMORED: discord.Colour.light_grey(),
    LaunchStatus.TEASED: discord.Colour.gold(),
    LaunchStatus.CONFIRMED: discord.Colour.green(),
    LaunchStatus.LAUNCHED: discord.Colour.blurple(),
    LaunchStatus.POSTPONED: discord.Colour.orange(),
    LaunchStatus.CANCELLED: discord.Colour.red(),
}
MAX_CLAIMS_SHOWN = 5


def claim_line(claim: ClaimRecord) -> str:
    if claim.subject is ClaimSubject.DATE and claim.window:
        what = render_short(claim.window)
    else:
        presence = claim.present.value if claim.present else "?"
        what = f"{claim.feature}: {presence}"
    who = claim.author or "unknown source"
    line = f"{user_text(what, 80)} · {user_text(who, 60)} ({claim.source_kind.value})"
    if claim.source_url:
        line += f" · <{claim.source_url}>"
    line += f" · seen {format_dt(claim.seen_at, 'd')}"
    return f"~~{line}~~" if claim.superseded else line


def launch_card(
    launch: LaunchRecord,
    claims: tuple[ClaimRecord, ...] = (),
    next_post_at: datetime | None = None,
    polls: tuple[PollRecord, ...] = (),
) -> discord.Embed:
    embed = discord.Embed(
        title=user_text(launch.device, limits.EMBED_TITLE),
        colour=STATUS_COLOURS[launch.status],
        description=user_text(launch.note, 1000) if launch.note else None,
    )
    embed.add_field(name="Brand", value=user_text(launch.brand, 200))
    embed.add_field(name="Region", value=user_text(launch.region, REGION_MAX))
    embed.add_field(name="Status", value=launch.status.value.capitalize())
    embed.add_field(name="Date", value=when_long(launch.window), inline=False)
    embed.add_field(name="Kind", value=launch.kind.value.capitalize())
    if launch.confidence is not None:
        embed.add_field(name="Confidence", value=f"{launch.confidence}%")
    if launch.partner:
        embed.add_field(name="Partner", value=user_text(launch.partner, 200))
    if launch.livestream_url:
        embed.add_field(
            name="Livestream", value=clip(f"<{launch.livestream_url}>", 1000), inline=False
        )
    if next_post_at is not None:
        embed.add_field(name="Next reminder", value=format_dt(next_post_at, "R"))
    latest = sorted(claims, key=lambda c: c.seen_at, reverse=True)[:MAX_CLAIMS_SHOWN]
    if latest:
        lines: list[str] = []
        for claim in latest:
            line = claim_line(claim)
            if sum(len(x) + 1 for x in lines) + len(line) > limits.FIELD_VALUE:
                break
            lines.append(line)
        embed.add_field(name="Latest claims", value="\n".join(lines) or "…", inline=False)
    if polls:
        embed.add_field(name="Polls", value=polls_field(polls), inline=False)
    if launch.aliases:
        aliases = ", ".join(escape_user_text(a) for a in launch.aliases)
        embed.add_field(name="Also known as", value=clip(aliases, 1000), inline=False)
    embed.set_footer(text=f"Launch #{launch.id}")
    return embed
