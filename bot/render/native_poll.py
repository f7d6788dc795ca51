"""A poll posted as a Discord native poll: the poll itself, and the line above it.

Discord shows a poll's question and answers as plain text (no markdown, no mentions), so they
go in as typed; the line above the poll is the bot's message text and is escaped."""

from __future__ import annotations

from datetime import datetime, timedelta

import discord
from discord.utils import format_dt

from bot.domain.native_polls import native_hours, rounded_up
from bot.domain.polls import PollRecord
from bot.render.user_text import user_text


def native_poll(poll: PollRecord, now: datetime) -> discord.Poll:
    """Open until the close, in whole hours rounded up (the bot ends it at the close)."""
    made = discord.Poll(
        question=poll.question,
        duration=timedelta(hours=native_hours(poll.closes_at, now)),
        multiple=poll.multiple,
    )
    for answer in poll.answers:
        made.add_answer(text=answer)
    return made


def native_intro(poll: PollRecord, now: datetime) -> str:
    about = (
        f"about **{user_text(poll.launch_title, 300)}**"
        if poll.launch_title is not None
        else "about a launch since removed from the calendar"
    )
    when = f"{format_dt(poll.closes_at, 'R')} ({format_dt(poll.closes_at, 'f')})"
    with_launch = ", when the launch happens" if poll.closes_with_launch else ""
    line = f"📊 Poll #{poll.id} {about} · closes {when}{with_launch}."
    if rounded_up(poll.closes_at, now):
        line += " Discord's timer counts whole hours, so it may show up to an hour more."
    return line + " Vote in the poll; the bot reads the votes when it closes."


def native_closed(poll: PollRecord, voters: int) -> str:
    """What /poll close says after ending a native poll early."""
    counted = f"{voters:,} member" + ("" if voters == 1 else "s")
    return f"Poll #{poll.id} ended on Discord; the votes of {counted} are stored."
