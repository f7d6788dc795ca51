"""The polls on a launch's card: each question with where it stands, and for a resolved one the
true answer and its evidence."""

from __future__ import annotations

from discord.utils import format_dt

from bot.app import limits
from bot.domain.polls import PollRecord, chosen
from bot.domain.records import CARD_POLLS
from bot.domain.vocabulary import PollState
from bot.render.user_text import user_text


def polls_field(polls: tuple[PollRecord, ...]) -> str:
    """Newest first; ``polls`` may hold one more than is shown, to say there are more."""
    lines: list[str] = []
    for poll in polls[:CARD_POLLS]:
        line = _line(poll)
        if sum(len(x) + 1 for x in lines) + len(line) > limits.FIELD_VALUE - 20:
            break
        lines.append(line)
    if len(polls) > len(lines):
        lines.append("… and more")
    return "\n".join(lines)


def _line(poll: PollRecord) -> str:
    asked = f"#{poll.id} {user_text(poll.question, 150)}"
    if poll.state is PollState.RESOLVED and poll.outcome:
        answers = ", ".join(f"**{user_text(a, 55)}**" for a in chosen(poll.answers, poll.outcome))
        when = poll.closed_at or poll.closes_at
        evidence = f" · <{poll.evidence_url}>" if poll.evidence_url else ""
        return f"✅ {asked} → {answers} ({format_dt(when, 'D')}){evidence}"
    if poll.state is PollState.OPEN:
        return f"📊 {asked} · closes {format_dt(poll.closes_at, 'R')}"
    return f"🔒 {asked} · closed, not resolved yet"
