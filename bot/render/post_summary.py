"""A server's scheduled posts at a glance, for /settings show and /about."""

from __future__ import annotations

from discord.utils import format_dt

from bot.app.limits import FIELD_VALUE, clip
from bot.domain.records import PostSummary
from bot.domain.vocabulary import PostState

SHOWN = (PostState.PENDING, PostState.SENT, PostState.FAILED, PostState.SKIPPED)


def post_counts(summary: PostSummary) -> str:
    parts = [f"{summary.counts.get(state, 0)} {state.value}" for state in SHOWN]
    text = " · ".join(parts)
    if summary.next_due is not None:
        text += f"\nNext {format_dt(summary.next_due, 'R')}"
    return text


def post_problems(summary: PostSummary) -> str | None:
    """The latest posts that failed or were skipped, with why (reasons are the bot's words)."""
    if not summary.problems:
        return None
    lines = [
        f"{format_dt(p.due_at, 'd')} {p.kind}: {p.state.value}, {p.reason or 'no reason recorded'}"
        for p in summary.problems
    ]
    return clip("\n".join(lines), FIELD_VALUE)
