"""Polls as plain records, the rules of a vote, and the tally.

A set of answers is a bitmask (bit ``i``: answer ``i``), as stored: a member's choices and a
poll's outcome alike."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.errors import InvalidInput
from bot.domain.poll_rules import CONFIDENCE_STEPS
from bot.domain.vocabulary import PollState

if TYPE_CHECKING:  # records.py imports this module for a launch card's polls
    from bot.domain.records import ClaimRecord

BAR_WIDTH = 12


@dataclass(frozen=True, slots=True)
class PollFacts:
    """What never changes once a poll exists: enough to check and word a vote."""

    id: int
    guild_id: int
    answers: tuple[str, ...]
    multiple: bool
    confidence: bool
    hidden: bool
    native: bool = False


@dataclass(frozen=True, slots=True)
class PollRecord:
    id: int
    guild_id: int
    launch_id: int | None
    launch_title: str | None
    """The launch's title as it is now (None once the launch is removed)."""
    question: str
    answers: tuple[str, ...]
    multiple: bool
    confidence: bool
    hidden: bool
    closes_at: datetime
    closes_with_launch: bool
    state: PollState
    channel_id: int | None
    message_id: int | None
    created_by: int | None
    created_at: datetime
    closed_at: datetime | None
    outcome: int | None = None
    evidence_url: str | None = None
    native: bool = False
    resolved_by: int | None = None
    resolved_at: datetime | None = None

    @property
    def facts(self) -> PollFacts:
        return PollFacts(
            self.id, self.guild_id, self.answers, self.multiple, self.confidence, self.hidden,
            self.native,
        )  # fmt: skip

    @property
    def is_open(self) -> bool:
        return self.state is PollState.OPEN


@dataclass(frozen=True, slots=True)
class NewPoll:
    """A poll as typed by an editor; unset parts get their defaults from the launch."""

    launch_id: int
    question: str | None = None
    answers: str | None = None
    multiple: bool = False
    confidence: bool = False
    hidden: bool = False
    closes: str | None = None
    native: bool = False
    """Posted as a Discord native poll (bot/domain/native_polls.py) instead of with buttons."""


class VoteKind(enum.Enum):
    SET = "set"
    """The member's choice becomes this answer (single-answer polls)."""
    TOGGLE = "toggle"
    """This answer is added to the member's choices, or taken out of them (multiple answers)."""


@dataclass(frozen=True, slots=True)
class Ballot:
    guild_id: int
    poll_id: int
    user_id: int
    mask: int
    kind: VoteKind
    confidence: int | None


def ballot(facts: PollFacts, user_id: int, answer: int, confidence: int | None) -> Ballot:
    """A click on ``answer`` (with how sure, on polls that ask), checked against the poll."""
    if facts.native:
        raise InvalidInput("This is a Discord poll: vote in the poll itself.")
    if not 0 <= answer < len(facts.answers):
        raise InvalidInput("This button does not match any answer of the poll.")
    if facts.confidence:
        if confidence not in CONFIDENCE_STEPS:
            steps = ", ".join(f"{c} %" for c in CONFIDENCE_STEPS)
            raise InvalidInput(f"Say how sure you are: one of {steps}.")
    elif confidence is not None:
        raise InvalidInput("This poll does not ask how sure you are.")
    kind = VoteKind.TOGGLE if facts.multiple else VoteKind.SET
    return Ballot(facts.guild_id, facts.id, user_id, 1 << answer, kind, confidence)


@dataclass(frozen=True, slots=True)
class Vote:
    """A member's vote as stored: ``choices`` 0 means they took back every answer."""

    facts: PollFacts
    choices: int
    confidence: int | None

    @property
    def answers(self) -> tuple[str, ...]:
        return chosen(self.facts.answers, self.choices)


def chosen(answers: tuple[str, ...], mask: int) -> tuple[str, ...]:
    return tuple(a for i, a in enumerate(answers) if mask >> i & 1)


@dataclass(frozen=True, slots=True)
class Tally:
    counts: tuple[int, ...]
    """Votes for each answer (with several answers, a member counts once for each)."""
    voters: int

    def share(self, answer: int) -> float:
        return self.counts[answer] / self.voters if self.voters else 0.0


def tally_of(answer_count: int, masks: Iterable[tuple[int, int]]) -> Tally:
    """The tally from ``(choices, how many members)`` pairs."""
    counts = [0] * answer_count
    voters = 0
    for mask, members in masks:
        if not mask:
            continue
        voters += members
        for i in range(answer_count):
            if mask >> i & 1:
                counts[i] += members
    return Tally(tuple(counts), voters)


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """``share`` (0 to 1) as a bar of ``width`` blocks."""
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "░" * (width - filled)


@dataclass(frozen=True, slots=True)
class PollView:
    """A poll with its tally, as its message shows it."""

    poll: PollRecord
    tally: Tally
    news: tuple[ClaimRecord, ...] = ()
    """The launch's standing claims, newest first (an open poll's card shows them)."""

    @property
    def results_shown(self) -> bool:
        return not self.poll.hidden or not self.poll.is_open


@dataclass(frozen=True, slots=True)
class PollCreated:
    view: PollView
    next_post_at: datetime
    """When the poll's close is due (the dispatcher wakes then)."""


@dataclass(frozen=True, slots=True)
class CloseResult:
    view: PollView
    closed_now: bool
    """False when the poll was closed (or resolved) already: nothing changed."""
