"""The poll leaderboard and one member's record (``/poll stats``), from the pure scores in
``bot/domain/poll_scoring.py``.

Members are shown as ``<@id>`` mentions, which embeds never ping; the messages still go out
with ``AllowedMentions.none()`` like every other. Questions and answer labels are user text:
escaped and cut so that the embed stays within Discord's limits whatever was typed.
"""

from __future__ import annotations

from fractions import Fraction

import discord
from discord.utils import format_dt

from bot.app import limits
from bot.domain.poll_scoring import (
    Leaderboard,
    MemberScore,
    MemberStats,
    RankedMember,
    ResolvedPrediction,
)
from bot.render.user_text import escape_user_text, user_text

LEADERBOARD_SIZE = 10
QUESTION_CHARS = 150
ANSWERS_CHARS = 120
RULE = (
    "Ranked by mean Brier score: 0 is perfect, 2 is certain and wrong, lower is better. "
    "A vote without confidence counts as 100 % sure, so there the score follows the hit rate."
)


def percent(share: Fraction) -> str:
    return f"{round(share * 100)} %"


def brier(score: Fraction) -> str:
    return f"{float(score):.2f}"


def predictions(count: int) -> str:
    return f"{count} prediction" + ("" if count == 1 else "s")


def _minimum(count: int) -> str:
    return f"at least {count} resolved prediction" + ("" if count == 1 else "s")


def rule_line(min_predictions: int) -> str:
    """How the board is ranked, and the minimum: the leaderboard's footer."""
    return f"{RULE} Members need {_minimum(min_predictions)} to be ranked."


def _standing(entry: RankedMember) -> str:
    score = entry.score
    return (
        f"**{entry.rank}.** <@{score.user_id}> · {predictions(score.predictions)} · "
        f"{percent(score.hit_rate)} right · Brier {brier(score.mean_brier)}"
    )


def leaderboard_embed(board: Leaderboard) -> discord.Embed:
    """The top ``LEADERBOARD_SIZE`` ranked members, how many more there are, and how many are
    not ranked yet."""
    embed = discord.Embed(title="🏆 Poll leaderboard", colour=discord.Colour.gold())
    shown = board.ranked[:LEADERBOARD_SIZE]
    lines = [_standing(entry) for entry in shown]
    if len(board.ranked) > len(shown):
        lines.append(f"…and {len(board.ranked) - len(shown)} more ranked members.")
    if not board.ranked and not board.unranked:
        lines.append(
            "No resolved predictions yet. Vote on a poll: once it is resolved, members with "
            f"{_minimum(board.min_predictions)} appear here."
        )
    elif not board.ranked:
        lines.append(f"Nobody is ranked yet: members need {_minimum(board.min_predictions)}.")
    if board.unranked:
        waiting = len(board.unranked)
        members = "1 member is" if waiting == 1 else f"{waiting} members are"
        lines += [
            "",
            f"{members} not ranked yet (fewer than {board.min_predictions} resolved predictions).",
        ]
    embed.description = limits.clip("\n".join(lines), limits.EMBED_DESCRIPTION)
    embed.set_footer(text=limits.clip(rule_line(board.min_predictions), limits.FOOTER))
    return embed


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _labels(labels: tuple[str, ...]) -> str:
    shown = ", ".join(escape_user_text(_one_line(label)) for label in labels)
    return limits.clip(shown, ANSWERS_CHARS)


def _recent_line(item: ResolvedPrediction) -> str:
    sure = item.prediction.confidence
    vote = _labels(item.chosen) + ("" if sure is None else f" ({sure} % sure)")
    verdict = "✅" if item.hit else "❌"
    result = "right" if item.hit else f"wrong (true: {_labels(item.true_answers)})"
    question = user_text(_one_line(item.question), QUESTION_CHARS)
    return (
        f"{verdict} `#{item.prediction.poll_id}` **{question}** "
        f"· {format_dt(item.resolved_at, 'd')}\n"
        f"Vote: {vote} · {result} · Brier {brier(item.brier)}"
    )


def _rank(stats: MemberStats, score: MemberScore) -> str:
    if stats.rank is not None:
        return f"#{stats.rank} of {stats.ranked_members}"
    return f"Not ranked yet: {score.predictions} of {stats.min_predictions} resolved predictions"


def member_stats_embed(stats: MemberStats) -> discord.Embed:
    """A member's place, counts, hit rate, Brier and skill, and their latest resolved
    predictions."""
    embed = discord.Embed(title="📊 Poll record", colour=discord.Colour.blurple())
    score = stats.score
    if score is None:
        embed.description = (
            f"<@{stats.user_id}> has no resolved predictions yet. A vote counts here once its "
            f"poll is resolved; {_minimum(stats.min_predictions)} are needed to be ranked."
        )
        return embed
    embed.add_field(name="Rank", value=_rank(stats, score))
    embed.add_field(name="Predictions", value=f"{score.predictions} ({score.hits} right)")
    embed.add_field(name="Hit rate", value=percent(score.hit_rate))
    embed.add_field(
        name="Brier score", value=f"{brier(score.mean_brier)} (skill {percent(score.skill)})"
    )
    parts = [f"<@{stats.user_id}>"]
    if stats.recent:
        parts += ["", "**Latest resolved predictions**", *map(_recent_line, stats.recent)]
    embed.description = limits.clip("\n".join(parts), limits.EMBED_DESCRIPTION)
    embed.set_footer(
        text="Brier score: 0 is perfect, 2 is certain and wrong. Skill is 1 - Brier/2."
    )
    return embed
