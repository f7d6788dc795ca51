"""Dates for Discord: exact times as timestamps every member sees in their own zone; vague
windows as honest text, clearly marked as approximate."""

from __future__ import annotations

from discord.utils import format_dt

from bot.domain.dates import DateWindow, Precision, render_date, render_short

APPROX = "≈"


def when_long(window: DateWindow | None) -> str:
    if window is None:
        return "No date yet"
    if window.precision is Precision.EXACT:
        return f"{format_dt(window.start, 'F')} ({format_dt(window.start, 'R')})"
    return f"{render_date(window)} (approximate)"


def when_short(window: DateWindow | None) -> str:
    if window is None:
        return "no date yet"
    if window.precision is Precision.EXACT:
        return format_dt(window.start, "f")
    return f"{APPROX} {render_short(window)}"
