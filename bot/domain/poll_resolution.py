"""Resolving a poll: the true answer(s) as an editor types them, what a resolution did, and the
outcome post it plans (its payload says everything the post shows, since the poll may be
resolved again before the post goes out)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from bot.domain.errors import InvalidInput
from bot.domain.polls import PollRecord, chosen
from bot.domain.text import name_key
from bot.domain.vocabulary import PollState

OUTCOME_KIND: Final = "poll_outcome"
"""The scheduled post that tells the channel a poll's outcome (or its correction)."""
OUTCOME_GRACE = timedelta(days=7)
"""An outcome stays true (a later correction is a post of its own), so it may go out late."""
CORRECT_SHOWN = 10
"""Members named in an outcome post (the rest are counted)."""


def outcome_key(number: int) -> str:
    """The ``number``-th outcome post of a poll: every resolution that changes the outcome is a
    post of its own, even one back to an earlier answer."""
    return f"outcome:{number}"


def parse_outcome(answers: tuple[str, ...], multiple: bool, text: str) -> int:
    """``"No"``, or on a poll that takes several answers ``"Leica | Zeiss"``: the answers that came
    true, as a bitmask. Matched like names (case and spacing aside)."""
    parts = [p.strip() for p in text.split("|") if p.strip()]
    if not parts:
        raise InvalidInput("Give the answer that came true.")
    keys = {name_key(a): i for i, a in enumerate(answers)}
    mask = 0
    for part in parts:
        index = keys.get(name_key(part))
        if index is None:
            listed = ", ".join(answers)
            raise InvalidInput(f'"{part}" is not an answer of this poll; its answers: {listed}.')
        mask |= 1 << index
    if not multiple and mask & (mask - 1):
        raise InvalidInput(
            "This poll takes one answer per member, so it resolves to one answer: give the one "
            "that came true."
        )
    return mask


def outcome_text(answers: tuple[str, ...], mask: int) -> str:
    """The answers in ``mask`` as an editor would type them (an autocomplete value)."""
    return " | ".join(chosen(answers, mask))


def is_right(choices: int, outcome: int, multiple: bool) -> bool:
    """A vote that got it right: its answer came true; on a poll with several answers, exactly the
    answers that came true (the scoring's hit, ``bot/domain/poll_scoring.is_hit``)."""
    return choices == outcome if multiple else bool(choices & outcome)


class Change(enum.Enum):
    RESOLVED = "resolve"
    """The first outcome."""
    CORRECTED = "correct"
    """A different outcome than before."""
    EVIDENCE = "evidence"
    """The same outcome with other evidence: the poll's message shows it, nothing is posted."""
    NONE = "none"
    """The same outcome and evidence: nothing was written."""


@dataclass(frozen=True, slots=True)
class OutcomeNotice:
    """What an outcome post says."""

    poll_id: int
    question: str
    true_answers: tuple[str, ...]
    previous: tuple[str, ...] | None
    """The answers it was resolved to before (a correction), else None."""
    evidence: str
    voters: int
    right: int
    correct: tuple[int, ...]
    """Up to ``CORRECT_SHOWN`` members who got it right, earliest vote first."""
    channel_id: int
    reply_to: int | None
    """The poll's message, which the post answers when it is still there."""

    def to_payload(self) -> dict[str, Any]:
        return {
            "poll": self.poll_id, "question": self.question, "true": list(self.true_answers),
            "previous": None if self.previous is None else list(self.previous),
            "evidence": self.evidence, "voters": self.voters, "right": self.right,
            "correct": [str(u) for u in self.correct], "channel": str(self.channel_id),
            "reply_to": None if self.reply_to is None else str(self.reply_to),
        }  # fmt: skip

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> OutcomeNotice:
        """Raises ``ValueError`` for a payload this version cannot read."""
        if not isinstance(payload, dict):
            raise ValueError("no payload")
        try:
            previous = payload["previous"]
            reply_to = payload["reply_to"]
            notice = cls(
                poll_id=int(payload["poll"]),
                question=str(payload["question"]),
                true_answers=tuple(str(a) for a in payload["true"]),
                previous=None if previous is None else tuple(str(a) for a in previous),
                evidence=str(payload["evidence"]),
                voters=int(payload["voters"]),
                right=int(payload["right"]),
                correct=tuple(int(u) for u in payload["correct"]),
                channel_id=int(payload["channel"]),
                reply_to=None if reply_to is None else int(reply_to),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"unreadable outcome payload: {error}") from error
        if not notice.true_answers or not 0 <= notice.right <= notice.voters:
            raise ValueError("an outcome payload with no answer or impossible counts")
        return notice


@dataclass(frozen=True, slots=True)
class Resolution:
    """What ``/poll resolve`` did. ``poll`` is the poll as it is now (its message is re-read for
    its card); ``previous`` its outcome before (None for the first); ``notice`` the post planned
    (None when nothing is posted: no change of outcome, or a poll with no message in a
    channel)."""

    poll: PollRecord
    change: Change
    previous: int | None
    closed_now: bool
    notice: OutcomeNotice | None = None
    next_post_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PollPick:
    """A poll as ``/poll resolve`` offers it."""

    id: int
    question: str
    state: PollState
    answers: tuple[str, ...]
    outcome: int | None
