"""An open poll's card shows what is latest about its launch: the standing claims (each the
newest on its subject), briefly, so voters see news such as "no Leica" where they vote."""

from __future__ import annotations

from bot.domain.dates import render_short
from bot.domain.records import ClaimRecord
from bot.domain.vocabulary import ClaimSubject
from bot.render.user_text import user_text

WHAT_CHARS = 80
WHO_CHARS = 60


def _what(claim: ClaimRecord) -> str:
    if claim.subject is ClaimSubject.DATE:
        return "date — " + (render_short(claim.window) if claim.window else "?")
    feature = claim.feature or "feature"
    presence = claim.present.value if claim.present else "unclear"
    return f"{feature} — {presence}"


def news_line(claim: ClaimRecord) -> str:
    who = claim.author or claim.source_kind.value
    kind = f", {claim.source_kind.value}" if claim.author else ""
    return f"Latest: {user_text(_what(claim), WHAT_CHARS)} ({user_text(who, WHO_CHARS)}{kind})"


def news_lines(claims: tuple[ClaimRecord, ...]) -> list[str]:
    """A blank line, then one line per claim (none when there is nothing to tell)."""
    return ["", *map(news_line, claims)] if claims else []
