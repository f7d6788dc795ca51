"""The poll leaderboard and a member's record: the numbers as the domain scores them, hostile
questions and answers shown as typed with nothing live, and Discord's embed limits kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
from discord.utils import format_dt

from bot.app import limits
from bot.domain.poll_scoring import (
    Leaderboard,
    Prediction,
    ResolvedPrediction,
    leaderboard,
    member_stats,
)
from bot.render.poll_scores import LEADERBOARD_SIZE, leaderboard_embed, member_stats_embed
from tests.render.test_user_text import HOSTILE
from tests.support.discord_text import embed_texts, live_syntax, visible

T0 = datetime(2022, 7, 4, 12, 0, tzinfo=UTC)
BIG_ID = 1574622327990259725


def votes(user: int, hits: int, misses: int, confidence: int | None = None) -> list[Prediction]:
    outcomes = [0] * hits + [1] * misses
    return [
        Prediction(user, poll, 2, frozenset({0}), confidence, False, frozenset({o}))
        for poll, o in enumerate(outcomes, start=1)
    ]


def assert_within_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(embed) <= limits.EMBED_TOTAL
    assert len(data.get("title", "")) <= limits.EMBED_TITLE
    assert len(data.get("description", "")) <= limits.EMBED_DESCRIPTION
    assert len(data.get("fields", [])) <= 25
    for field in data.get("fields", []):
        assert 0 < len(field["value"]) <= limits.FIELD_VALUE
    assert len(data.get("footer", {}).get("text", "")) <= limits.FOOTER


def test_the_leaderboard_shows_the_top_ten_with_their_numbers() -> None:
    members = [votes(100 + n, hits=11 - n, misses=n) for n in range(12)]
    board = leaderboard([p for m in members for p in m])
    embed = leaderboard_embed(board)
    lines = (embed.description or "").splitlines()
    # member 100 + n: n misses in 11, Brier 2n/11
    assert lines[0] == "**1.** <@100> · 11 predictions · 100 % right · Brier 0.00"
    assert lines[1] == "**2.** <@101> · 11 predictions · 91 % right · Brier 0.18"
    assert lines[2] == "**3.** <@102> · 11 predictions · 82 % right · Brier 0.36"
    assert sum(line.startswith("**") for line in lines) == LEADERBOARD_SIZE
    assert lines[9] == "**10.** <@109> · 11 predictions · 18 % right · Brier 1.64"
    assert lines[10] == "…and 2 more ranked members."
    footer = embed.footer.text or ""
    assert "Brier" in footer and "100 % sure" in footer
    assert "at least 3 resolved predictions to be ranked" in footer
    assert_within_limits(embed)


def test_brier_has_two_decimals_and_members_below_the_minimum_are_counted() -> None:
    careful = votes(BIG_ID, hits=2, misses=1, confidence=70)  # (0.18 + 0.18 + 0.98) / 3
    board = leaderboard([*careful, *votes(7, 1, 0), *votes(8, 0, 2)])
    embed = leaderboard_embed(board)
    assert (embed.description or "").splitlines() == [
        f"**1.** <@{BIG_ID}> · 3 predictions · 67 % right · Brier 0.45",
        "",
        "2 members are not ranked yet (fewer than 3 resolved predictions).",
    ]


def test_an_empty_leaderboard_says_how_to_get_on_it() -> None:
    empty = leaderboard_embed(leaderboard([]))
    assert empty.description == (
        "No resolved predictions yet. Vote on a poll: once it is resolved, members with at "
        "least 3 resolved predictions appear here."
    )
    assert "at least 3 resolved predictions" in (empty.footer.text or "")
    waiting = leaderboard_embed(leaderboard(votes(7, 1, 0), min_predictions=2))
    assert (waiting.description or "").splitlines() == [
        "Nobody is ranked yet: members need at least 2 resolved predictions.",
        "",
        "1 member is not ranked yet (fewer than 2 resolved predictions).",
    ]
    one = leaderboard_embed(Leaderboard((), (), 1))
    assert "at least 1 resolved prediction appear" in (one.description or "")


def resolved(
    p: Prediction, question: str, labels: tuple[str, ...], days: int = 0
) -> ResolvedPrediction:
    return ResolvedPrediction(p, question, labels, T0 + timedelta(days=days))


def test_a_members_record_shows_rank_numbers_and_latest_predictions() -> None:
    mine = votes(BIG_ID, hits=3, misses=1, confidence=80)
    board = leaderboard([*mine, *votes(2, 4, 0)])
    history = [resolved(p, f"Question {p.poll_id}?", ("Yes", "No"), p.poll_id) for p in mine]
    embed = member_stats_embed(member_stats(board, BIG_ID, history))
    fields = {f.name: f.value for f in embed.fields}
    assert fields == {
        "Rank": "#2 of 2",
        "Predictions": "4 (3 right)",
        "Hit rate": "75 %",
        "Brier score": "0.38 (skill 81 %)",  # (3 x 0.08 + 1.28) / 4 = 0.38
    }
    lines = (embed.description or "").splitlines()
    assert lines[0] == f"<@{BIG_ID}>"
    assert lines[3:5] == [
        f"❌ `#4` **Question 4?** · {format_dt(T0 + timedelta(days=4), 'd')}",
        "Vote: Yes (80 % sure) · wrong (true: No) · Brier 1.28",
    ]
    assert lines[5:7] == [
        f"✅ `#3` **Question 3?** · {format_dt(T0 + timedelta(days=3), 'd')}",
        "Vote: Yes (80 % sure) · right · Brier 0.08",
    ]
    assert_within_limits(embed)


def test_a_member_not_ranked_yet_and_one_without_predictions() -> None:
    board = leaderboard([*votes(1, 1, 0), *votes(2, 3, 0)])
    early = member_stats_embed(member_stats(board, 1, []))
    assert {f.name: f.value for f in early.fields}["Rank"] == (
        "Not ranked yet: 1 of 3 resolved predictions"
    )
    assert early.description == "<@1>"  # no latest predictions were given
    newcomer = member_stats_embed(member_stats(board, 9, []))
    assert newcomer.fields == []
    assert newcomer.description == (
        "<@9> has no resolved predictions yet. A vote counts here once its poll is resolved; "
        "at least 3 resolved predictions are needed to be ranked."
    )


def test_hostile_questions_and_answers_show_as_typed_with_nothing_live() -> None:
    history = []
    for n, text in enumerate(HOSTILE):
        p = Prediction(5, n, 2, frozenset({0}), None, False, frozenset({1}))
        history.append(resolved(p, f"{text} question", (f"{text} yes", f"{text} no"), n))
    board = leaderboard(h.prediction for h in history)
    for start in range(0, len(history), 5):
        stats = member_stats(board, 5, history[start : start + 5])
        embed = member_stats_embed(stats).to_dict()
        for part, text in embed_texts(embed):
            assert live_syntax(text, frozenset({"<@5>"})) == [], part
        description = visible(embed["description"])
        for item in stats.recent:
            assert f"**{item.question}**" in description
            assert f"Vote: {item.answers[0]} · wrong (true: {item.answers[1]})" in description


def test_questions_on_several_lines_stay_on_one() -> None:
    p = Prediction(5, 1, 2, frozenset({0}), None, False, frozenset({0}))
    text = "Will it\n# launch\n> before March?"
    embed = member_stats_embed(
        member_stats(leaderboard([p]), 5, [resolved(p, text, ("a\nb", "c"))])
    )
    lines = (embed.description or "").splitlines()
    assert len(lines) == 5
    assert visible(lines[3]).startswith("✅ `#1` **Will it # launch > before March?** · ")
    assert lines[4] == "Vote: a b · right · Brier 0.00"


def test_huge_questions_and_many_long_answers_fit_discords_limits() -> None:
    labels = tuple(f"[{n}](https://evil.example) " + "*" * 200 for n in range(10))
    history = []
    for poll in range(5):
        p = Prediction(5, poll, 10, frozenset(range(10)), 50, True, frozenset({poll}))
        history.append(resolved(p, "<@&1> **Leica?** " * 300, labels, poll))
    board = leaderboard(h.prediction for h in history)
    stats = member_stats(board, 5, history)
    embed = member_stats_embed(stats)
    assert_within_limits(embed)
    description = embed.description or ""
    assert description.count("\nVote: ") == 5  # every prediction is there, each cut to fit
    assert description.count("…") == 15  # each question, vote and true answer
    assert live_syntax(description, frozenset({"<@5>"})) == []
    leaders = leaderboard_embed(
        leaderboard(p for u in range(50) for p in votes(BIG_ID - u, hits=40, misses=60))
    )
    assert_within_limits(leaders)
