"""What a poll may be: its question and answers, when it closes, and how sure a member may say
they are. Answers follow Discord's native poll limits (2 to 10, 55 characters each), so a poll
can later be posted as a native one with the same answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from bot.domain.dates import DateWindow, Precision, parse_date, render_date
from bot.domain.errors import InvalidInput
from bot.domain.text import clean_name, name_key
from bot.domain.vocabulary import LaunchStatus

QUESTION_MAX = 300
ANSWER_MAX = 55
ANSWERS_MIN, ANSWERS_MAX = 2, 10
ANSWERS_TEXT_MAX = ANSWERS_MAX * (ANSWER_MAX + 3)
"""The longest ``answers`` option that can hold ten answers of the longest length."""
DEFAULT_ANSWERS = ("Yes", "No")
CONFIDENCE_STEPS = (50, 60, 70, 80, 90, 100)
"""How sure a member may say they are, in percent: below 50 % they would pick another answer."""
LONGEST_OPEN = timedelta(days=2 * 366)
CLOSE_KIND: Final = "poll_close"
"""The scheduled post that closes a poll."""
CLOSE_GRACE = timedelta(days=366)
"""A close is never too late: a poll the bot could not close on time closes when it can."""
ENDED = frozenset({LaunchStatus.CANCELLED, LaunchStatus.LAUNCHED})
"""A launch in one of these states has told the truth: its polls close at once."""


def clean_question(text: str) -> str:
    return clean_name(text, "question", QUESTION_MAX)


def suggested_question(device: str, partner: str | None) -> str:
    """The question a poll about a launch gets when none is given."""
    if partner:
        return clean_question(f"Will the {partner} collaboration appear on the {device}?")
    return clean_question(f"Will the {device} launch on time?")


def parse_answers(text: str | None) -> tuple[str, ...]:
    """``"A | B | C"``: 2 to 10 distinct answers of at most 55 characters; Yes/No when none."""
    if text is None or not text.strip():
        return DEFAULT_ANSWERS
    if len(text) > ANSWERS_TEXT_MAX:
        raise InvalidInput(
            f"The answers are {len(text)} characters long; the limit is {ANSWERS_TEXT_MAX}."
        )
    answers = tuple(clean_name(part, "answer", ANSWER_MAX) for part in _parts(text))
    if not ANSWERS_MIN <= len(answers) <= ANSWERS_MAX:
        raise InvalidInput(
            f"A poll takes {ANSWERS_MIN} to {ANSWERS_MAX} answers separated by |, like "
            f'"Yes | No | Not sure" ({len(answers)} given).'
        )
    keys = [name_key(a) for a in answers]
    repeated = next((a for a, k in zip(answers, keys, strict=True) if keys.count(k) > 1), None)
    if repeated is not None:
        raise InvalidInput(f'The answer "{repeated}" is given twice; each answer must differ.')
    return answers


def _parts(text: str) -> list[str]:
    parts = text.split("|")
    if any(not p.strip() for p in parts):
        raise InvalidInput('An answer between two | is empty; write them like "Yes | No".')
    return parts


def check_options(*, multiple: bool, confidence: bool) -> None:
    if multiple and confidence:
        raise InvalidInput(
            "Confidence works with single-answer polls only: a member says how sure they are "
            "of one answer. Turn off multiple or confidence."
        )


def launch_close(
    title: str, window: DateWindow | None, status: LaunchStatus, now: datetime
) -> datetime:
    """When a poll that closes with its launch closes: at the launch's exact time, or at the
    start of its day. A vaguer date (or none) cannot say, so ``closes`` must be given."""
    if status in ENDED:
        raise InvalidInput(
            f"{title} is {status.value} already, so a poll cannot close with it: give closes."
        )
    if window is None:
        raise InvalidInput(
            f"{title} has no date yet, so the poll cannot close with it: give closes "
            "(a time or a day, like 2027-03-10 19:30 or 10 March 2027)."
        )
    if window.precision not in (Precision.EXACT, Precision.DAY):
        raise InvalidInput(
            f"{title} is only dated {render_date(window)}, so the poll cannot close at its "
            "launch: give closes (a time or a day, like 2027-03-10 19:30 or 10 March 2027)."
        )
    if window.start <= now:
        raise InvalidInput(
            f"{title}'s date ({render_date(window)}) has passed: give closes, a time still ahead."
        )
    return _not_too_far(window.start, now)


def given_close(text: str, zone: str, now: datetime) -> datetime:
    """``closes`` as typed, read in ``zone`` unless it names one: a time, or a day (the poll is
    open through that day)."""
    window = parse_date(text, default_tz=zone)
    if window.precision is Precision.EXACT:
        moment = window.start
    elif window.precision is Precision.DAY:
        moment = window.end
    else:
        raise InvalidInput(
            f"A poll closes at a time or at the end of a day, not in {render_date(window)}: "
            "give closes like 2027-03-10 19:30 or 10 March 2027."
        )
    if moment <= now:
        raise InvalidInput(f"{render_date(window)} has passed: a poll must close in the future.")
    return _not_too_far(moment, now)


def _not_too_far(moment: datetime, now: datetime) -> datetime:
    if moment - now > LONGEST_OPEN:
        raise InvalidInput("A poll may stay open for at most two years; give an earlier close.")
    return moment


def followed_close(
    window: DateWindow | None, status: LaunchStatus | None, now: datetime
) -> datetime | None:
    """Where the close of a poll that closes with its launch goes once the launch changes
    (``status`` None: the launch was removed): at once when the launch is over, cancelled or
    gone; at the start of its new date (or at once, if that has passed); None (stays where it
    is) when the launch has no date any more."""
    if status is None or status in ENDED:
        return now
    if window is None:
        return None
    return max(window.start, now)


def poll_subject(poll_id: int) -> str:
    """The subject of a poll's scheduled posts (its close)."""
    return f"poll:{poll_id}"


def poll_of_subject(subject: str) -> int | None:
    kind, _, number = subject.partition(":")
    return int(number) if kind == "poll" and number.isascii() and number.isdigit() else None


def close_key(when: datetime) -> str:
    """Names the moment, so a close moved elsewhere is a new post and the old one is cancelled."""
    return f"close@{when:%Y%m%dT%H%M}"
