"""A poll's message and the private answers to a member's clicks.

The message shows the question, the launch, when the poll closes, and the tally with bars and
counts, or, while results are hidden, only how many have voted."""

from __future__ import annotations

import discord
from discord.utils import format_dt

from bot.app import limits
from bot.domain.poll_rules import CONFIDENCE_STEPS
from bot.domain.polls import PollRecord, PollView, Tally, Vote, bar
from bot.domain.vocabulary import PollState
from bot.render.poll_news import news_lines
from bot.render.poll_outcome import answer_mark, resolution_lines
from bot.render.user_text import escape_user_text, user_text

OPEN_COLOUR = discord.Colour.blurple()
CLOSED_COLOUR = discord.Colour.dark_grey()
RESOLVED_COLOUR = discord.Colour.green()
HIDDEN = "Results hidden until the poll closes"


def poll_embed(view: PollView) -> discord.Embed:
    poll = view.poll
    about = (
        f"About **{user_text(poll.launch_title, 300)}**"
        if poll.launch_title is not None
        else "About a launch since removed from the calendar"
    )
    lines = [f"**{escape_user_text(poll.question)}**", about, _when(poll)]
    lines += [*resolution_lines(poll), ""]
    if view.results_shown:
        lines += _results(poll, view.tally)
    else:
        lines.append(f"*{HIDDEN}* · {_votes(view.tally.voters)} so far")
    ways = []
    if poll.multiple:
        ways.append("pick as many answers as you like (click again to take one back)")
    if poll.confidence:
        ways.append("say how sure you are when you vote")
    if ways and poll.is_open:
        lines += ["", "You may " + " and ".join(ways) + "."]
    if poll.is_open:
        lines += news_lines(view.news)
    return discord.Embed(
        title=f"📊 Poll #{poll.id}",
        description=limits.clip("\n".join(lines), limits.EMBED_DESCRIPTION),
        colour=OPEN_COLOUR if poll.is_open else RESOLVED_COLOUR if poll.outcome else CLOSED_COLOUR,
    ).set_footer(text=f"{_votes(view.tally.voters)} · votes can change until the poll closes")


def _when(poll: PollRecord) -> str:
    if poll.state is not PollState.OPEN:
        closed = poll.closed_at or poll.closes_at
        return f"🔒 **Closed** {format_dt(closed, 'R')} ({format_dt(closed, 'f')})"
    with_launch = " (when the launch happens)" if poll.closes_with_launch else ""
    return (
        f"Closes {format_dt(poll.closes_at, 'R')} ({format_dt(poll.closes_at, 'f')}){with_launch}"
    )


def _results(poll: PollRecord, tally: Tally) -> list[str]:
    lines = []
    for i, answer in enumerate(poll.answers):
        share = tally.share(i)
        lines.append(f"{user_text(answer, 120)}{answer_mark(poll, i)}")
        lines.append(f"`{bar(share)}` {round(share * 100)} % · {_votes(tally.counts[i])}")
    return lines


def _votes(count: int) -> str:
    return f"{count:,} vote" + ("" if count == 1 else "s")


def vote_reply(vote: Vote) -> str:
    """The private answer to a vote: what the member's vote now is."""
    chosen = vote.answers
    if not chosen:
        return "You took back your answer: you have no vote on this poll now."
    listed = ", ".join(f"**{user_text(a, 120)}**" for a in chosen)
    sure = f", {vote.confidence} % sure" if vote.confidence is not None else ""
    return f"You voted {listed}{sure}."


def my_vote_reply(vote: Vote | None) -> str:
    if vote is None:
        return "You have not voted on this poll."
    return vote_reply(vote).replace("You voted", "Your vote:", 1)


def how_sure_prompt(answer: str) -> str:
    return f"How sure are you of **{user_text(answer, 120)}**?"


def confidence_label(percent: int) -> str:
    return f"{percent} % sure"


CONFIDENCE_CHOICES = tuple((confidence_label(c), c) for c in CONFIDENCE_STEPS)
