"""A native poll as Discord stores and shows it (https://discord.com/developers/docs/resources/poll):
the poll made from a (validated) create request, its ``results`` computed from the votes, and
the ``poll_result`` embed of the system message that announces its end."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .snowflakes import iso

DEFAULT_DURATION_HOURS = 24
DEFAULT_LAYOUT = 1

Votes = dict[int, set[int]]
"""Voter ids by answer id."""


def new_poll(spec: dict[str, Any], created_at: datetime) -> dict[str, Any]:
    """The stored poll (everything but ``results``): answers numbered 1..n, ``duration`` turned
    into ``expiry``, defaults filled in. Only the question's ``text`` is kept, as on Discord."""
    duration = spec.get("duration")
    hours = DEFAULT_DURATION_HOURS if duration is None else int(duration)
    layout = spec.get("layout_type")
    return {
        "question": {"text": (spec.get("question") or {}).get("text")},
        "answers": [
            {"answer_id": answer_id, "poll_media": _media(answer.get("poll_media") or {})}
            for answer_id, answer in enumerate(spec.get("answers") or [], start=1)
        ],
        "expiry": iso(created_at + timedelta(hours=hours)),
        "allow_multiselect": bool(spec.get("allow_multiselect") or False),
        "layout_type": DEFAULT_LAYOUT if layout is None else int(layout),
    }


def _media(media: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"text": media.get("text")}
    emoji = media.get("emoji")
    if emoji:
        emoji_id = emoji.get("id")
        result["emoji"] = {
            "id": None if emoji_id is None else str(emoji_id),
            "name": emoji.get("name") or "",
            **({"animated": bool(emoji.get("animated"))} if emoji_id is not None else {}),
        }
    return result


def empty_votes(poll: dict[str, Any]) -> Votes:
    return {answer["answer_id"]: set() for answer in poll["answers"]}


def results(votes: Votes, *, finalized: bool) -> dict[str, Any]:
    """The poll results object. Answers nobody voted for are left out, as on Discord.
    ``me_voted`` is always false: apps cannot vote, and the bot is the only one who reads."""
    return {
        "answer_counts": [
            {"id": answer_id, "count": len(voters), "me_voted": False}
            for answer_id, voters in sorted(votes.items())
            if voters
        ],
        "is_finalized": finalized,
    }


def result_embed(poll: dict[str, Any], votes: Votes) -> dict[str, Any]:
    """The ``poll_result`` embed of the POLL_RESULT message: the question, the total, and the
    winning answer's fields only when exactly one answer has the most (non-zero) votes."""
    counts = {answer_id: len(voters) for answer_id, voters in votes.items()}
    top = max(counts.values(), default=0)
    leaders = [answer_id for answer_id, count in counts.items() if count == top and count]
    fields = [
        ("poll_question_text", str(poll["question"]["text"])),
        ("victor_answer_votes", str(top)),
        ("total_votes", str(sum(counts.values()))),
    ]
    if len(leaders) == 1:
        answer = next(a for a in poll["answers"] if a["answer_id"] == leaders[0])
        media = answer["poll_media"]
        fields += [("victor_answer_id", str(leaders[0])), ("victor_answer_text", media["text"])]
        emoji = media.get("emoji")
        if emoji:
            if emoji["id"] is not None:
                fields.append(("victor_answer_emoji_id", emoji["id"]))
            fields.append(("victor_answer_emoji_name", emoji["name"]))
            if emoji["id"] is not None:
                fields.append(("victor_answer_emoji_animated", str(emoji["animated"]).lower()))
    return {
        "type": "poll_result",
        "fields": [{"name": name, "value": value, "inline": False} for name, value in fields],
        "content_scan_version": 0,
    }
