"""Who was right in resolved polls: one proper scoring rule for every vote, a member's record,
and the server's leaderboard. Pure: the scores are a function of the votes and the polls'
current outcomes, so re-resolving a poll only changes the inputs.

The rule is the Brier score, in its multi-category form (0 is perfect, 2 is certain and wrong;
lower is better). Answers are numbered from 0 in the poll's order; a confidence ``c`` is a
whole percent from 50 to 100.

- **Single choice.** The member gives ``c`` to the answer they chose and shares the rest
  equally among the other ``n - 1``: p = c on it and (1 - c)/(n - 1) on each other answer.
  BS = Σ (p_i - o_i)² over the answers, with o_i = 1 for the true answer and 0 for the others.
  A poll that asks no confidence takes every vote as certain (c = 100 %), so the score is 0 for
  a hit and 2 for a miss, and ranking by it is ranking by hit rate. A hit is the chosen answer
  being the outcome.
- **Single choice resolved with several true answers** (a tie, say). Any true answer counts as
  *the* answer: a member whose answer is among them is scored exactly as a hit, anyone else
  exactly as a miss (o = 1 on one of the true answers; which one does not matter, since the
  other answers all have the same p). So certain votes still score 0 or 2, and the rule stays
  proper for what the member forecast: the chance that their answer turns out true.
- **Multiple choice.** Each answer is a yes/no forecast: p = c that a chosen answer is true
  and p = 1 - c that an answer left out is. Each scores the same two-category Brier,
  (p - o)² + ((1 - p) - (1 - o))² = 2 (p - o)², from 0 to 2, and the vote's score is their
  mean over the answers, so it has the same 0..2 range. Without confidence (c = 100 %) that
  is 2 x the share of answers called wrong: partial credit. A hit is the chosen set equal to
  the outcome set.

A member's record counts their resolved predictions and hits and averages their scores; the
skill shown beside it is 1 - BS/2: 100 % is perfect and 0 % certain and always wrong (on
Yes/No polls, certain guesses at random average 50 %, and always saying 50 % sure gives 75 %).

The leaderboard ranks members with at least ``min_predictions`` resolved predictions by mean
Brier, then by more predictions, a higher hit rate and the lower user id, so the order is total
and the same on every run. Scores are exact fractions, so equal records tie exactly and the
tie-breaks decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

CONFIDENCE_MIN = 50
CONFIDENCE_MAX = 100
MIN_PREDICTIONS = 3
RECENT_PREDICTIONS = 5
WORST_BRIER = 2


@dataclass(frozen=True, slots=True)
class Prediction:
    """One member's vote on one resolved poll. ``choices`` and ``outcome`` hold answer
    positions (0 to ``answer_count - 1``); ``confidence`` is None when the poll asks none."""

    user_id: int
    poll_id: int
    answer_count: int
    choices: frozenset[int]
    confidence: int | None
    multiple: bool
    outcome: frozenset[int]

    def __post_init__(self) -> None:
        # records come from storage, which checks votes as they are cast: a breach is a bug
        if self.answer_count < 2:
            raise ValueError(f"poll {self.poll_id} has {self.answer_count} answers, not 2 or more")
        answers = range(self.answer_count)
        if not self.choices or not all(a in answers for a in self.choices):
            raise ValueError(f"vote on poll {self.poll_id} chose {sorted(self.choices)}")
        if not self.multiple and len(self.choices) != 1:
            raise ValueError(f"single-choice vote on poll {self.poll_id} chose several answers")
        if not self.outcome or not all(a in answers for a in self.outcome):
            raise ValueError(f"poll {self.poll_id} resolved to {sorted(self.outcome)}")
        if self.confidence is not None and not (
            CONFIDENCE_MIN <= self.confidence <= CONFIDENCE_MAX
        ):
            raise ValueError(f"vote on poll {self.poll_id} is {self.confidence} % sure")


def is_hit(prediction: Prediction) -> bool:
    """Single choice: the chosen answer is (one of) the true answer(s). Multiple choice: the
    chosen set is the outcome set."""
    if prediction.multiple:
        return prediction.choices == prediction.outcome
    return not prediction.choices.isdisjoint(prediction.outcome)


def brier_score(prediction: Prediction) -> Fraction:
    """The vote's Brier score, exactly, from 0 (perfect) to 2 (certain and wrong)."""
    return Fraction(*_brier_terms(prediction))


def _brier_terms(prediction: Prediction) -> tuple[int, int]:
    """The score as a numerator over a denominator that depends only on the poll's shape, so a
    member's scores are summed as integers (a few denominators) rather than as fractions."""
    c = CONFIDENCE_MAX if prediction.confidence is None else prediction.confidence
    n = prediction.answer_count
    if prediction.multiple:
        # in hundredths: p_i and o_i x 100; BS = mean of 2 (p_i - o_i)²
        total = 0
        for answer in range(n):
            p = c if answer in prediction.choices else CONFIDENCE_MAX - c
            o = CONFIDENCE_MAX if answer in prediction.outcome else 0
            total += (p - o) ** 2
        return 2 * total, n * CONFIDENCE_MAX**2
    # in units of 1 / (100 (n - 1)): the chosen answer's p is c (n - 1), every other one's 100 - c
    scale = CONFIDENCE_MAX * (n - 1)
    chosen = c * (n - 1)
    other = CONFIDENCE_MAX - c
    if is_hit(prediction):
        total = (scale - chosen) ** 2 + (n - 1) * other**2
    else:  # the true answer is one of the others
        total = chosen**2 + (scale - other) ** 2 + (n - 2) * other**2
    return total, scale**2


@dataclass(frozen=True, slots=True)
class MemberScore:
    """A member's resolved predictions, summed; the averages are derived here and only here."""

    user_id: int
    predictions: int
    hits: int
    brier_sum: Fraction

    @property
    def hit_rate(self) -> Fraction:
        return Fraction(self.hits, self.predictions)

    @property
    def mean_brier(self) -> Fraction:
        return self.brier_sum / self.predictions

    @property
    def skill(self) -> Fraction:
        """1 - BS/2: 1 is perfect, 0 certain and always wrong."""
        return 1 - self.mean_brier / WORST_BRIER


def score_members(predictions: Iterable[Prediction]) -> list[MemberScore]:
    """Every member with a resolved prediction, by user id. One vote per member per poll: a
    repeated (member, poll) pair means the caller's query is wrong, and is refused."""
    seen: set[tuple[int, int]] = set()
    counts: dict[int, list[int]] = {}
    sums: dict[int, dict[int, int]] = {}  # member -> denominator -> sum of numerators
    for prediction in predictions:
        key = (prediction.user_id, prediction.poll_id)
        if key in seen:
            raise ValueError(f"member {key[0]} has two votes on poll {key[1]}")
        seen.add(key)
        count = counts.setdefault(prediction.user_id, [0, 0])
        count[0] += 1
        count[1] += is_hit(prediction)
        numerator, denominator = _brier_terms(prediction)
        by_shape = sums.setdefault(prediction.user_id, {})
        by_shape[denominator] = by_shape.get(denominator, 0) + numerator
    return [
        MemberScore(
            user_id,
            counts[user_id][0],
            counts[user_id][1],
            sum((Fraction(n, d) for d, n in sums[user_id].items()), Fraction(0)),
        )
        for user_id in sorted(counts)
    ]


def _order(score: MemberScore) -> tuple[Fraction, int, Fraction, int]:
    return (score.mean_brier, -score.predictions, -score.hit_rate, score.user_id)


@dataclass(frozen=True, slots=True)
class RankedMember:
    rank: int
    score: MemberScore


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """``ranked`` in rank order (1, 2, 3 ... with no shared places); ``unranked`` are the
    members with fewer than ``min_predictions`` resolved predictions, in the same order."""

    ranked: tuple[RankedMember, ...]
    unranked: tuple[MemberScore, ...]
    min_predictions: int


def leaderboard(
    predictions: Iterable[Prediction], min_predictions: int = MIN_PREDICTIONS
) -> Leaderboard:
    """The server's standings from all its resolved predictions (the caller scopes them to the
    server)."""
    return board_of(standings(predictions), min_predictions)


def standings(predictions: Iterable[Prediction]) -> list[MemberScore]:
    """Every member's record in board order (the order does not depend on the minimum, so a
    board kept in this order serves any minimum)."""
    return sorted(score_members(predictions), key=_order)


def board_of(scores: Sequence[MemberScore], min_predictions: int) -> Leaderboard:
    """The leaderboard of records already in board order (``standings``)."""
    if min_predictions < 1:
        raise ValueError(f"a minimum of {min_predictions} predictions ranks nobody sensibly")
    ranked = [s for s in scores if s.predictions >= min_predictions]
    return Leaderboard(
        ranked=tuple(RankedMember(n, s) for n, s in enumerate(ranked, start=1)),
        unranked=tuple(s for s in scores if s.predictions < min_predictions),
        min_predictions=min_predictions,
    )


@dataclass(frozen=True, slots=True)
class ResolvedPrediction:
    """A prediction with what a member needs to recognise it: the poll's question, its answers'
    labels (by position) and when it was resolved (aware UTC)."""

    prediction: Prediction
    question: str
    answers: tuple[str, ...]
    resolved_at: datetime

    def __post_init__(self) -> None:
        if len(self.answers) != self.prediction.answer_count:
            raise ValueError(
                f"poll {self.prediction.poll_id} has {self.prediction.answer_count} answers "
                f"but {len(self.answers)} labels"
            )
        if self.resolved_at.utcoffset() is None:
            raise ValueError("resolved_at must be an aware datetime")

    @property
    def chosen(self) -> tuple[str, ...]:
        return tuple(self.answers[a] for a in sorted(self.prediction.choices))

    @property
    def true_answers(self) -> tuple[str, ...]:
        return tuple(self.answers[a] for a in sorted(self.prediction.outcome))

    @property
    def hit(self) -> bool:
        return is_hit(self.prediction)

    @property
    def brier(self) -> Fraction:
        return brier_score(self.prediction)


@dataclass(frozen=True, slots=True)
class MemberStats:
    """One member's record for ``/poll stats``. ``score`` is None before their first resolved
    prediction; ``rank`` is None until they have ``min_predictions``."""

    user_id: int
    score: MemberScore | None
    rank: int | None
    ranked_members: int
    min_predictions: int
    recent: tuple[ResolvedPrediction, ...] = ()


def member_stats(
    board: Leaderboard,
    user_id: int,
    resolved: Iterable[ResolvedPrediction],
    limit: int = RECENT_PREDICTIONS,
) -> MemberStats:
    """The member's place on ``board`` and their ``limit`` latest resolved predictions (newest
    first) among ``resolved``, which may hold more, or only those."""
    rank = next((r.rank for r in board.ranked if r.score.user_id == user_id), None)
    if rank is not None:
        score: MemberScore | None = board.ranked[rank - 1].score
    else:
        score = next((s for s in board.unranked if s.user_id == user_id), None)
    mine = [r for r in resolved if r.prediction.user_id == user_id]
    mine.sort(key=lambda r: (r.resolved_at, r.prediction.poll_id), reverse=True)
    return MemberStats(
        user_id=user_id,
        score=score,
        rank=rank,
        ranked_members=len(board.ranked),
        min_predictions=board.min_predictions,
        recent=tuple(mine[:limit]),
    )
