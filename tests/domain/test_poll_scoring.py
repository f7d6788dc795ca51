"""Poll scoring: Brier scores worked out by hand, certainty ranking as hit rate, multiple choice,
ties, the minimum to rank, a member's record, and the rule's properness as a property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.poll_scoring import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    MIN_PREDICTIONS,
    MemberScore,
    Prediction,
    ResolvedPrediction,
    brier_score,
    is_hit,
    leaderboard,
    member_stats,
    score_members,
)

YES, NO = 0, 1
# no deadline: a loaded CI machine must not turn a slow example into a failure
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def vote(
    choices: int | set[int],
    outcome: int | set[int],
    *,
    n: int = 2,
    confidence: int | None = None,
    user: int = 1,
    poll: int = 1,
    multiple: bool = False,
) -> Prediction:
    as_set = lambda v: frozenset({v} if isinstance(v, int) else v)  # noqa: E731
    return Prediction(user, poll, n, as_set(choices), confidence, multiple, as_set(outcome))


def record(user: int, hits: int, misses: int, *, confidence: int | None = None) -> list[Prediction]:
    """``hits`` right and ``misses`` wrong Yes/No votes by ``user``, on polls 1, 2, 3 ..."""
    outcomes = [YES] * hits + [NO] * misses
    return [
        vote(YES, o, confidence=confidence, user=user, poll=p)
        for p, o in enumerate(outcomes, start=1)
    ]


# --- single choice, worked by hand -------------------------------------------------------------


def test_two_answers_with_confidence() -> None:
    # 80 % on Yes: p = (0.8, 0.2). Yes true: 0.2² + 0.2² = 0.08; No true: 0.8² + 0.8² = 1.28
    assert brier_score(vote(YES, YES, confidence=80)) == Fraction(8, 100)
    assert brier_score(vote(YES, NO, confidence=80)) == Fraction(128, 100)
    # 50 % sure says nothing: 0.5 whatever happens
    assert brier_score(vote(YES, YES, confidence=50)) == Fraction(1, 2)
    assert brier_score(vote(NO, YES, confidence=50)) == Fraction(1, 2)


def test_four_answers_with_confidence() -> None:
    # 70 % on answer 2: p = (0.1, 0.1, 0.7, 0.1)
    # answer 2 true: 0.3² + 3 x 0.1² = 0.09 + 0.03 = 0.12
    assert brier_score(vote(2, 2, n=4, confidence=70)) == Fraction(12, 100)
    # answer 0 true: 0.9² + 0.7² + 2 x 0.1² = 0.81 + 0.49 + 0.02 = 1.32
    assert brier_score(vote(2, 0, n=4, confidence=70)) == Fraction(132, 100)
    # 50 % on answer 1: p = (1/6, 0.5, 1/6, 1/6)
    # answer 1 true: 0.25 + 3/36 = 1/3; answer 3 true: 0.25 + 25/36 + 2/36 = 1
    assert brier_score(vote(1, 1, n=4, confidence=50)) == Fraction(1, 3)
    assert brier_score(vote(1, 3, n=4, confidence=50)) == Fraction(1)


def test_without_confidence_a_vote_is_certain_zero_or_two() -> None:
    for n in (2, 4, 10):
        assert brier_score(vote(1, 1, n=n)) == 0
        assert brier_score(vote(1, 0, n=n)) == 2
        assert brier_score(vote(1, 1, n=n, confidence=100)) == 0
        assert brier_score(vote(1, 0, n=n, confidence=100)) == 2
    assert is_hit(vote(YES, YES)) and not is_hit(vote(YES, NO))


def test_several_true_answers_on_a_single_choice_poll_score_any_of_them_as_the_answer() -> None:
    # a tie resolved as answers 0 and 2 true: choosing either is a hit, scored as one
    assert is_hit(vote(2, {0, 2}, n=4)) and not is_hit(vote(1, {0, 2}, n=4))
    assert brier_score(vote(2, {0, 2}, n=4, confidence=70)) == brier_score(
        vote(2, 2, n=4, confidence=70)
    )
    assert brier_score(vote(1, {0, 2}, n=4, confidence=70)) == Fraction(132, 100)
    assert brier_score(vote(0, {0, 2}, n=4)) == 0
    assert brier_score(vote(3, {0, 2}, n=4)) == 2


# --- multiple choice --------------------------------------------------------------------------


def test_multiple_choice_scores_each_answer_as_yes_or_no() -> None:
    # 4 answers, chose {0, 1} at 80 %: p = (0.8, 0.8, 0.2, 0.2); outcome {0, 2}: o = (1, 0, 1, 0)
    # per answer 2 (p - o)²: 0.08, 1.28, 1.28, 0.08; mean 2.72 / 4 = 0.68
    p = vote({0, 1}, {0, 2}, n=4, confidence=80, multiple=True)
    assert brier_score(p) == Fraction(68, 100)
    assert not is_hit(p)
    exact = vote({0, 2}, {0, 2}, n=4, confidence=80, multiple=True)
    assert brier_score(exact) == Fraction(8, 100)  # 0.08 on every answer
    assert is_hit(exact)


def test_multiple_choice_without_confidence_gives_partial_credit() -> None:
    # certain: 2 x the share of answers called wrong
    assert brier_score(vote({0, 2}, {0, 2}, n=4, multiple=True)) == 0
    assert brier_score(vote({0, 1}, {0, 2}, n=4, multiple=True)) == 1  # 2 of 4 wrong
    assert brier_score(vote({1}, {0, 2}, n=4, multiple=True)) == Fraction(3, 2)  # 3 of 4
    assert brier_score(vote({1, 3}, {0, 2}, n=4, multiple=True)) == 2
    assert is_hit(vote({0, 2}, {2, 0}, n=4, multiple=True))
    assert not is_hit(vote({0}, {0, 2}, n=4, multiple=True))  # a subset is not a hit


@PROPERTY
@given(
    n=st.integers(2, 10),
    confidence=st.none() | st.integers(CONFIDENCE_MIN, CONFIDENCE_MAX),
    multiple=st.booleans(),
    data=st.data(),
)
def test_every_score_is_between_zero_and_two(
    n: int, confidence: int | None, multiple: bool, data: st.DataObject
) -> None:
    answers = st.frozensets(st.integers(0, n - 1), min_size=1, max_size=n if multiple else 1)
    outcome = data.draw(st.frozensets(st.integers(0, n - 1), min_size=1))
    p = Prediction(1, 1, n, data.draw(answers), confidence, multiple, outcome)
    score = brier_score(p)
    assert 0 <= score <= 2
    assert (score == 0) == (is_hit(p) and confidence in (None, 100))


# --- the rule is proper -----------------------------------------------------------------------


@PROPERTY
@given(n=st.integers(2, 10), data=st.data())
def test_single_choice_expected_score_is_least_when_reporting_the_true_chance(
    n: int, data: st.DataObject
) -> None:
    """Whatever the true chances of the answers, the confidence that minimises the expected
    score is the true chance of the chosen answer (as near as 50..100 % allows)."""
    chosen = data.draw(st.integers(0, n - 1))
    weights = data.draw(st.lists(st.integers(0, 20), min_size=n, max_size=n).filter(any))
    truth = [Fraction(w, sum(weights)) for w in weights]

    def expected(confidence: int) -> Fraction:
        return sum(
            (
                chance * brier_score(vote(chosen, answer, n=n, confidence=confidence))
                for answer, chance in enumerate(truth)
            ),
            Fraction(0),
        )

    scores = {c: expected(c) for c in range(CONFIDENCE_MIN, CONFIDENCE_MAX + 1)}
    best = min(scores.values())
    ideal = max(CONFIDENCE_MIN, min(CONFIDENCE_MAX, 100 * truth[chosen]))
    # the expected score is a parabola in the confidence with its lowest point at ``ideal``
    assert all(abs(c - ideal) <= Fraction(1, 2) for c, s in scores.items() if s == best)
    assert all(scores[c] <= scores[c + 1] for c in scores if ideal <= c < CONFIDENCE_MAX)
    assert all(scores[c] >= scores[c + 1] for c in scores if c + 1 <= ideal)


@PROPERTY
@given(n=st.integers(2, 4), data=st.data())
def test_multiple_choice_expected_score_is_least_at_the_mean_chance_of_being_right(
    n: int, data: st.DataObject
) -> None:
    """Whatever the true chances of the outcomes (any sets of answers), the best confidence is
    the mean chance that each yes/no call, an answer chosen or left out, is right."""
    outcomes = [frozenset(a for a in range(n) if bits >> a & 1) for bits in range(1, 2**n)]
    weights = data.draw(
        st.lists(st.integers(0, 10), min_size=len(outcomes), max_size=len(outcomes)).filter(any)
    )
    truth = {o: Fraction(w, sum(weights)) for o, w in zip(outcomes, weights, strict=True)}
    chosen = data.draw(st.frozensets(st.integers(0, n - 1), min_size=1))

    def expected(confidence: int) -> Fraction:
        return sum(
            (
                chance * brier_score(vote(chosen, o, n=n, confidence=confidence, multiple=True))
                for o, chance in truth.items()
            ),
            Fraction(0),
        )

    right = sum(
        (chance * sum((a in chosen) == (a in o) for a in range(n)) for o, chance in truth.items()),
        Fraction(0),
    )
    ideal = max(CONFIDENCE_MIN, min(CONFIDENCE_MAX, 100 * right / n))
    scores = {c: expected(c) for c in range(CONFIDENCE_MIN, CONFIDENCE_MAX + 1)}
    best = min(scores.values())
    assert all(abs(c - ideal) <= Fraction(1, 2) for c, s in scores.items() if s == best)
    assert all(scores[c] <= scores[c + 1] for c in scores if ideal <= c < CONFIDENCE_MAX)


# --- members and the leaderboard --------------------------------------------------------------


def test_a_members_record_is_counted_in_one_place() -> None:
    [score] = score_members(
        [
            vote(YES, YES, confidence=80, poll=1),
            vote(YES, NO, confidence=80, poll=2),
            vote(2, 2, n=4, confidence=70, poll=3),
        ]
    )
    assert score == MemberScore(1, 3, 2, Fraction(8 + 128 + 12, 100))
    assert score.hit_rate == Fraction(2, 3)
    assert score.mean_brier == Fraction(148, 300)
    assert score.skill == 1 - Fraction(148, 600)


@PROPERTY
@given(
    st.lists(
        st.tuples(st.integers(2, 10), st.booleans(), st.integers(0, 100), st.integers(0, 9)),
        max_size=30,
    )
)
def test_a_members_sums_match_their_votes_one_by_one(
    shapes: list[tuple[int, bool, int, int]],
) -> None:
    """Scores are summed as integers per poll shape; the sum is still every vote's score."""
    votes = [
        vote(
            {0, 1} if multiple else 0,
            {true % n},
            n=n,
            multiple=multiple,
            confidence=None if c < CONFIDENCE_MIN else c,
            poll=poll,
        )
        for poll, (n, multiple, c, true) in enumerate(shapes)
    ]
    expected = [
        MemberScore(
            1, len(votes), sum(map(is_hit, votes)), sum(map(brier_score, votes), Fraction(0))
        )
    ]
    assert score_members(votes) == (expected if votes else [])


def test_certain_votes_rank_exactly_as_hit_rate() -> None:
    members = [record(10, 5, 0), record(11, 2, 3), record(12, 4, 1), record(13, 0, 5)]
    board = leaderboard(p for m in members for p in m)
    assert [r.score.user_id for r in board.ranked] == [10, 12, 11, 13]
    assert [r.rank for r in board.ranked] == [1, 2, 3, 4]
    rates = [r.score.hit_rate for r in board.ranked]
    assert rates == sorted(rates, reverse=True)
    assert [r.score.mean_brier for r in board.ranked] == [0, Fraction(2, 5), Fraction(6, 5), 2]


def test_confidence_rewards_calibration_over_bold_guessing() -> None:
    # same hits; the member who was less sure of the miss scores better
    bold = record(20, 2, 1, confidence=100)
    careful = [*record(21, 2, 0, confidence=90), vote(YES, NO, confidence=60, user=21, poll=3)]
    board = leaderboard([*bold, *careful])
    assert [r.score.user_id for r in board.ranked] == [21, 20]
    assert board.ranked[0].score.hit_rate == board.ranked[1].score.hit_rate


def test_ties_go_to_more_predictions_then_hit_rate_then_user_id() -> None:
    # equal mean Brier 0.5: member 31 with 4 predictions beats 30 and 32 with 3
    fifty = lambda user, polls, outcome=YES: [  # noqa: E731
        vote(YES, outcome, confidence=50, user=user, poll=p) for p in polls
    ]
    members = [
        *fifty(32, [1, 2, 3]),
        *fifty(31, [1, 2, 3, 4]),
        *fifty(30, [1, 2, 3]),
        *fifty(33, [1, 2, 3], NO),  # same Brier and count, but no hits
    ]
    board = leaderboard(members)
    assert [r.score.mean_brier for r in board.ranked] == [Fraction(1, 2)] * 4
    assert [r.score.user_id for r in board.ranked] == [31, 30, 32, 33]
    assert [r.rank for r in board.ranked] == [1, 2, 3, 4]
    # the order does not depend on the order of the input
    assert leaderboard(reversed(members)) == board


def test_members_below_the_minimum_are_not_ranked_yet() -> None:
    board = leaderboard([*record(1, 3, 0), *record(2, 2, 0), *record(3, 0, 1)])
    assert MIN_PREDICTIONS == 3 and board.min_predictions == 3
    assert [r.score.user_id for r in board.ranked] == [1]
    assert [s.user_id for s in board.unranked] == [2, 3]
    lower = leaderboard([*record(1, 3, 0), *record(2, 2, 0), *record(3, 0, 1)], min_predictions=1)
    assert [r.score.user_id for r in lower.ranked] == [1, 2, 3]
    assert lower.unranked == ()
    with pytest.raises(ValueError, match="minimum"):
        leaderboard([], min_predictions=0)


def test_an_empty_server_has_an_empty_leaderboard() -> None:
    assert leaderboard([]) == leaderboard([], MIN_PREDICTIONS)
    board = leaderboard([])
    assert board.ranked == () and board.unranked == ()


def test_re_resolving_a_poll_changes_only_the_inputs() -> None:
    votes = [*record(1, 2, 0, confidence=90), *record(2, 2, 0, confidence=60)]
    votes += [
        vote(YES, YES, confidence=90, user=1, poll=9),
        vote(NO, YES, confidence=60, user=2, poll=9),
    ]
    before = leaderboard(votes)
    assert [r.score.user_id for r in before.ranked] == [1, 2]
    # poll 9 was resolved wrongly: the truth was No
    fixed = [
        Prediction(
            p.user_id,
            p.poll_id,
            p.answer_count,
            p.choices,
            p.confidence,
            p.multiple,
            frozenset({NO}) if p.poll_id == 9 else p.outcome,
        )
        for p in votes
    ]
    after = leaderboard(fixed)
    assert [r.score.user_id for r in after.ranked] == [2, 1]
    assert [r.score.hits for r in after.ranked] == [3, 2]
    assert leaderboard(votes) == before  # nothing remembered between calls


def test_a_member_with_two_votes_on_one_poll_is_refused() -> None:
    with pytest.raises(ValueError, match="two votes on poll 1"):
        score_members([vote(YES, YES), vote(NO, YES)])


@pytest.mark.parametrize(
    ("answers", "choices", "confidence", "multiple", "outcome", "complaint"),
    [
        (1, {0}, None, False, {0}, "1 answers"),
        (2, set(), None, False, {0}, "chose"),
        (2, {2}, None, False, {0}, "chose"),
        (2, {-1}, None, False, {0}, "chose"),
        (3, {0, 1}, None, False, {0}, "several"),
        (2, {0}, None, False, set(), "resolved"),
        (2, {0}, None, False, {5}, "resolved"),
        (2, {0}, 49, False, {0}, "49 % sure"),
        (2, {0}, 101, False, {0}, "101 % sure"),
    ],
)
def test_a_prediction_storage_could_not_hold_is_refused(
    answers: int,
    choices: set[int],
    confidence: int | None,
    multiple: bool,
    outcome: set[int],
    complaint: str,
) -> None:
    with pytest.raises(ValueError, match=complaint):
        Prediction(1, 1, answers, frozenset(choices), confidence, multiple, frozenset(outcome))


# --- one member's stats ------------------------------------------------------------------------

T0 = datetime(2022, 7, 4, 12, 0, tzinfo=UTC)


def resolved(p: Prediction, days: int, question: str = "Leica?") -> ResolvedPrediction:
    labels = tuple(f"answer {a}" for a in range(p.answer_count))
    return ResolvedPrediction(p, question, labels, T0 + timedelta(days=days))


def test_member_stats_show_rank_record_and_latest_five_newest_first() -> None:
    mine = record(1, 4, 3, confidence=80)
    board = leaderboard([*mine, *record(2, 3, 0), *record(3, 1, 0)])
    history = [resolved(p, days=p.poll_id) for p in mine]
    others = [resolved(p, days=99) for p in record(2, 3, 0)]
    stats = member_stats(board, 1, [*others, *reversed(history)])
    assert stats.rank == 2 and stats.ranked_members == 2 and stats.min_predictions == 3
    assert stats.score is not None and (stats.score.predictions, stats.score.hits) == (7, 4)
    assert [r.prediction.poll_id for r in stats.recent] == [7, 6, 5, 4, 3]
    latest = stats.recent[0]
    assert latest.chosen == ("answer 0",) and latest.true_answers == ("answer 1",)
    assert not latest.hit and latest.brier == Fraction(128, 100)


def test_member_stats_before_ranking_and_before_any_prediction() -> None:
    board = leaderboard([*record(1, 1, 0), *record(2, 3, 0)])
    early = member_stats(board, 1, [resolved(p, 1) for p in record(1, 1, 0)])
    assert early.rank is None and early.score is not None and early.score.predictions == 1
    assert len(early.recent) == 1
    newcomer = member_stats(board, 5, [])
    assert newcomer.rank is None and newcomer.score is None and newcomer.recent == ()


def test_a_resolved_prediction_needs_a_label_per_answer_and_an_aware_time() -> None:
    p = vote(YES, YES)
    with pytest.raises(ValueError, match="labels"):
        ResolvedPrediction(p, "Q", ("Yes",), T0)
    with pytest.raises(ValueError, match="aware"):
        ResolvedPrediction(p, "Q", ("Yes", "No"), datetime(2022, 7, 4))  # noqa: DTZ001
