"""A poll's outcome: the post that tells the channel (and its correction), and what the poll's
own message shows once it is resolved. Members who got it right are shown as ``<@id>``
mentions, which ping nobody: the post goes out with ``AllowedMentions.none()``."""

from __future__ import annotations

import discord
from discord.utils import format_dt

from bot.app import limits
from bot.domain.poll_resolution import Change, OutcomeNotice, Resolution
from bot.domain.polls import PollRecord, chosen
from bot.render.scheduled_posts import LATE_NOTE, OutgoingPost
from bot.render.user_text import user_text

QUESTION_CHARS = 200
ANSWER_CHARS = 120
RIGHT_MARK = " ✅"


def _answers(labels: tuple[str, ...]) -> str:
    return ", ".join(f"**{user_text(a, ANSWER_CHARS)}**" for a in labels)


def _who(notice: OutcomeNotice) -> str:
    if notice.voters == 0:
        return "Nobody voted."
    if notice.right == 0:
        return f"Nobody got it right (0 of {notice.voters:,} voters)."
    names = ", ".join(f"<@{u}>" for u in notice.correct)
    more = notice.right - len(notice.correct)
    rest = f" and {more:,} more" if more > 0 else ""
    return f"**{notice.right:,} of {notice.voters:,}** voters got it right: {names}{rest}."


def outcome_text(notice: OutcomeNotice, *, late: bool = False) -> str:
    question = user_text(" ".join(notice.question.split()), QUESTION_CHARS)
    several = len(notice.true_answers) > 1
    label = "True answers" if several else "True answer"
    if notice.previous is None:
        head = f"✅ **Poll #{notice.poll_id} resolved:** {question}"
        answer = f"{label}: {_answers(notice.true_answers)}"
    else:
        head = f"✏️ **Corrected: poll #{notice.poll_id}** · {question}"
        answer = f"{label}: {_answers(notice.true_answers)} (not {_answers(notice.previous)})"
    lines = [head + (LATE_NOTE if late else ""), answer, f"Evidence: <{notice.evidence}>"]
    lines.append(_who(notice))
    return limits.clip("\n".join(lines), limits.CONTENT)


def outcome_post(notice: OutcomeNotice, *, late: bool, reply: bool) -> OutgoingPost:
    """``reply``: as an answer to the poll's message (the bot may read the channel's history)."""
    return OutgoingPost(
        outcome_text(notice, late=late),
        discord.AllowedMentions.none(),
        reply_to=notice.reply_to if reply else None,
    )


def resolution_lines(poll: PollRecord) -> list[str]:
    """The poll message's line about its outcome (none before it is resolved)."""
    if poll.outcome is None or poll.resolved_at is None:
        return []
    answers = _answers(chosen(poll.answers, poll.outcome))
    when = format_dt(poll.resolved_at, "R")
    evidence = f" · evidence: <{poll.evidence_url}>" if poll.evidence_url else ""
    return [f"✅ **Resolved** {when}: {answers}{evidence}"]


def answer_mark(poll: PollRecord, answer: int) -> str:
    """After an answer's label in the tally: marked when it came true."""
    return RIGHT_MARK if poll.outcome is not None and poll.outcome >> answer & 1 else ""


def resolved_reply(result: Resolution, problem: str | None = None) -> str:
    """The editor's private answer to ``/poll resolve``; ``problem``: why the channel cannot
    take the outcome post, when that is plain now."""
    poll = result.poll
    now = _answers(chosen(poll.answers, poll.outcome or 0))
    if result.change is Change.NONE:
        return f"Poll #{poll.id} is already resolved as {now} with that evidence; nothing changed."
    if result.change is Change.EVIDENCE:
        return (
            f"Poll #{poll.id} stays resolved as {now}; its evidence is now <{poll.evidence_url}>."
        )
    corrected = result.change is Change.CORRECTED
    post = "correction" if corrected else "outcome"
    if result.notice is None:
        where = f" It has no message in a channel, so no {post} is posted."
    elif problem is not None:
        where = f" I can't post the {post}: {problem}."
    else:
        where = f" The {post} is posted in <#{result.notice.channel_id}>."
    if corrected:
        before = _answers(chosen(poll.answers, result.previous or 0))
        return f"Poll #{poll.id} corrected: {now} (was {before}).{where} The scores follow."
    closed = " (it was open: it is closed now)" if result.closed_now else ""
    return f"Poll #{poll.id} resolved: {now}{closed}.{where}"
