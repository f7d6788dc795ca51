"""Questions a catalog brings along, resolved on what really happened: ``[[poll]]`` tables,
each tied to a launch of the same file by its device (name or alias, with region and kind
when that device has several launches there), read strictly like the rest of the file.

An imported question is a poll already resolved, with no votes and no message: a new server
sees how the story ended, and the question stays out of every member's record."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.domain.dates import Precision, parse_date
from bot.domain.errors import CatalogError, DomainError
from bot.domain.poll_rules import (
    ANSWER_MAX,
    ANSWERS_MAX,
    ANSWERS_MIN,
    DEFAULT_ANSWERS,
    clean_question,
)
from bot.domain.text import REGION_MAX, clean_name, clean_url, name_key
from bot.domain.vocabulary import LaunchKind

if TYPE_CHECKING:
    from bot.domain.catalog import CatalogEntry

POLL_KEYS = {
    "launch", "region", "kind", "question", "answers", "multiple", "outcome", "evidence_url",
    "resolved",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SeedPoll:
    """A resolved question about its entry's launch. ``outcome``: the true answers, a bitmask."""

    question: str
    answers: tuple[str, ...]
    multiple: bool
    outcome: int
    evidence_url: str | None
    resolved_at: datetime


def attach_polls(entries: list[CatalogEntry], raw: Any, name: str) -> list[CatalogEntry]:
    """The entries with the file's ``[[poll]]`` tables attached to the launches they name."""
    if not isinstance(raw, list):
        raise CatalogError(f"{name}: poll must be a list of tables ([[poll]]).")
    found: dict[int, list[SeedPoll]] = {}
    for number, item in enumerate(raw, start=1):
        label = f"poll #{number}"
        try:
            index, seed = _poll(entries, item)
        except DomainError as exc:
            raise CatalogError(f"{name}: {label}: {exc}") from None
        asked = found.setdefault(index, [])
        if any(name_key(s.question) == name_key(seed.question) for s in asked):
            raise CatalogError(f"{name}: {label}: repeats a question about the same launch.")
        asked.append(seed)
    return [
        replace(entry, polls=tuple(found[i])) if i in found else entry
        for i, entry in enumerate(entries)
    ]


def _poll(entries: list[CatalogEntry], item: Any) -> tuple[int, SeedPoll]:
    if not isinstance(item, dict):
        raise CatalogError("must be a table.")
    unknown = sorted(set(item) - POLL_KEYS)
    if unknown:
        raise CatalogError(f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(POLL_KEYS))}.")
    index = _launch_of(entries, item)
    answers = _answers(item.get("answers"))
    multiple = item.get("multiple", False)
    if not isinstance(multiple, bool):
        raise CatalogError("multiple must be true or false.")
    outcome = _outcome(item.get("outcome"), answers, multiple)
    resolved = item.get("resolved")
    if not isinstance(resolved, str) or not resolved.strip():
        raise CatalogError('resolved is required: the day the answer came out, like "4 July 2022".')
    window = parse_date(resolved, default_tz=entries[index].launch.timezone or "UTC")
    if window.precision not in (Precision.EXACT, Precision.DAY):
        raise CatalogError("resolved must be a day or a time, like 4 July 2022.")
    evidence = item.get("evidence_url")
    if evidence is not None and not isinstance(evidence, str):
        raise CatalogError("evidence_url must be a string.")
    question = item.get("question")
    if not isinstance(question, str):
        raise CatalogError("question is required.")
    seed = SeedPoll(
        question=clean_question(question),
        answers=answers,
        multiple=multiple,
        outcome=outcome,
        evidence_url=clean_url(evidence, "evidence_url"),
        resolved_at=window.start,
    )
    return index, seed


def _launch_of(entries: list[CatalogEntry], item: dict[str, Any]) -> int:
    """The entry the poll is about: its device's name or alias, narrowed by region and kind."""
    launch = item.get("launch")
    if not isinstance(launch, str) or not launch.strip():
        raise CatalogError("launch is required: the device of a launch in this file.")
    key = name_key(launch)
    region, kind = item.get("region"), item.get("kind")
    if region is not None and not isinstance(region, str):
        raise CatalogError("region must be a string.")
    kinds = [k.value for k in LaunchKind]
    if kind is not None and (not isinstance(kind, str) or kind.strip().lower() not in kinds):
        raise CatalogError(f"kind is not one of {', '.join(kinds)}.")
    region_key = name_key(clean_name(region, "region", REGION_MAX)) if region else None
    matches = [
        i
        for i, entry in enumerate(entries)
        if key in {name_key(n) for n in (entry.launch.device, *entry.launch.aliases)}
        and (region_key is None or name_key(entry.launch.region) == region_key)
        and (kind is None or entry.launch.kind.value == kind.strip().lower())
    ]
    if not matches:
        raise CatalogError(f"no launch in this file is for {launch[:60]!r}.")
    if len(matches) > 1:
        raise CatalogError(
            f"{len(matches)} launches in this file are for {launch[:60]!r}: give region "
            "(and kind) to say which."
        )
    return matches[0]


def _answers(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_ANSWERS
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise CatalogError("answers must be a list of strings.")
    if not ANSWERS_MIN <= len(raw) <= ANSWERS_MAX:
        raise CatalogError(f"a poll takes {ANSWERS_MIN} to {ANSWERS_MAX} answers.")
    answers = tuple(clean_name(a, "answer", ANSWER_MAX) for a in raw)
    if len({name_key(a) for a in answers}) < len(answers):
        raise CatalogError("each answer must differ.")
    return answers


def _outcome(raw: Any, answers: tuple[str, ...], multiple: bool) -> int:
    """The true answers as a bitmask: one answer, or a list of them on a multiple-choice poll."""
    given = [raw] if isinstance(raw, str) else raw
    if not isinstance(given, list) or not given or not all(isinstance(a, str) for a in given):
        raise CatalogError(f"outcome is required: the true answer, one of {', '.join(answers)}.")
    if len(given) > 1 and not multiple:
        raise CatalogError("a single-choice poll has one true answer; set multiple = true.")
    keys = [name_key(a) for a in answers]
    mask = 0
    for answer in given:
        if name_key(answer) not in keys:
            raise CatalogError(
                f"outcome {answer[:60]!r} is not one of the answers ({', '.join(answers)})."
            )
        mask |= 1 << keys.index(name_key(answer))
    return mask
