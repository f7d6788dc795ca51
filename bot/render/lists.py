"""The calendar page and the rumour history."""

from __future__ import annotations

import discord
from discord.utils import format_dt

from bot.app import limits
from bot.domain.dates import render_short
from bot.domain.records import AuditRecord, History, Page
from bot.domain.vocabulary import ClaimSubject
from bot.render.launch_card import STATUS_COLOURS, claim_line
from bot.render.user_text import escape_user_text, user_text
from bot.render.when import APPROX, when_short

PAGE_SIZE = 10


def upcoming_page(page: Page, title: str = "Upcoming launches") -> discord.Embed:
    embed = discord.Embed(title=title, colour=discord.Colour.blurple())
    if not page.items:
        embed.description = "Nothing in the calendar for these filters."
        return embed
    lines = []
    for launch in page.items:
        where = user_text(f"{launch.brand}, {launch.region}", 80)
        lines.append(
            f"`#{launch.id}` **{user_text(launch.device, 80)}** ({where}) · "
            f"{when_short(launch.window)} · {launch.status.value}"
        )
    embed.description = limits.clip("\n".join(lines), limits.EMBED_DESCRIPTION)
    note = (
        f" · {APPROX} marks an approximate date"
        if any(v.window and v.window.precision.value != "exact" for v in page.items)
        else ""
    )
    embed.set_footer(text=f"{_position(page)} · {_count(page)}{note}")
    return embed


def _position(page: Page) -> str:
    if page.number is not None and page.pages is not None:
        return f"Page {page.number} of {max(1, page.pages)}"
    if page.number is not None:
        return f"Page {page.number}"
    return "Last page" if not page.has_next else "Near the end"


def _count(page: Page) -> str:
    if not page.total_exact:
        return f"more than {page.total:,} launches"
    return f"{page.total} launch" + ("" if page.total == 1 else "es")


def _audit_line(entry: AuditRecord) -> str:
    who = user_text(entry.actor_name, 60)
    before, after = entry.before or {}, entry.after or {}
    if entry.action == "add":
        detail = f"added ({after.get('status')}, {after.get('date') or 'no date'})"
    else:
        changed = [
            k
            for k in ("status", "date", "region", "confidence", "partner")
            if before.get(k) != after.get(k)
        ]
        parts = [f"{k}: {before.get(k)} → {after.get(k)}" for k in changed]
        detail = f"{entry.action}" + (f" ({'; '.join(parts)})" if parts else "")
    return f"{format_dt(entry.at, 'd')} · {user_text(detail, 300)} · by {who}"


def history_embed(history: History) -> discord.Embed:
    launch = history.launch
    embed = discord.Embed(
        title=limits.clip(f"History of {escape_user_text(launch.device)}", limits.EMBED_TITLE),
        colour=STATUS_COLOURS[launch.status],
    )
    dates = [c for c in history.claims if c.subject is ClaimSubject.DATE]
    features = [c for c in history.claims if c.subject is ClaimSubject.FEATURE]
    for name, claims in (("Date claims", dates), ("Feature claims", features)):
        if claims:
            embed.add_field(name=name, value=_fit([claim_line(c) for c in claims]), inline=False)
    if history.audit:
        embed.add_field(
            name="Changes", value=_fit([_audit_line(e) for e in history.audit]), inline=False
        )
    current = render_short(launch.window) if launch.window else "no date"
    embed.set_footer(
        text=f"Launch #{launch.id} · now {launch.status.value}, {current} · oldest first"
    )
    if not embed.fields:
        embed.description = "No claims or changes recorded yet."
    return embed


def _fit(lines: list[str]) -> str:
    """Newest lines win when the field overflows; the cut is stated."""
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        if size + len(line) + 1 > limits.FIELD_VALUE - 40:
            kept.append(f"… {len(lines) - len(kept)} earlier entries not shown")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(reversed(kept))
