"""A server's resolved polls as the catalog's ``[[poll]]`` tables (``catalog_polls`` reads them),
each naming its launch in the same file as the importer will find it.

Only what the format carries goes out: the question, answers, whether several answers may be
chosen, the true answers, the evidence and when the answer came out (to the minute). Open and
closed but unresolved polls have no outcome to carry and are left out, as are a poll's votes
and its settings (confidence, hidden results, native)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.domain.dates import DateWindow, Precision, parse_date, render_date
from bot.domain.errors import InvalidDate
from bot.domain.polls import PollRecord, chosen
from bot.domain.records import LaunchRecord
from bot.domain.text import name_key
from bot.domain.zones import zone_for

_MINUTE = timedelta(minutes=1)


def poll_entries(
    launches: Sequence[LaunchRecord], polls: Sequence[PollRecord]
) -> list[dict[str, Any]]:
    """One table per resolved poll about a launch among ``launches``, in the launches' order (the
    order an import adds them in), then oldest first. Of several polls asking the same question
    of one launch (which the importer would refuse), the newest goes out."""
    place = {launch.id: i for i, launch in enumerate(launches)}
    newest: dict[tuple[int, str], PollRecord] = {}
    for poll in sorted(polls, key=lambda p: p.id):
        if poll.outcome and poll.resolved_at and poll.launch_id in place:
            newest[(poll.launch_id, name_key(poll.question))] = poll
    ordered = sorted(newest.items(), key=lambda item: (place[item[0][0]], item[1].id))
    return [_entry(poll, launches[place[launch_id]], launches) for (launch_id, _), poll in ordered]


def _entry(
    poll: PollRecord, launch: LaunchRecord, launches: Sequence[LaunchRecord]
) -> dict[str, Any]:
    assert poll.outcome is not None and poll.resolved_at is not None
    true_answers = list(chosen(poll.answers, poll.outcome))
    entry: dict[str, Any] = {"launch": launch.device, **_narrowing(launch, launches)}
    entry.update(question=poll.question, answers=list(poll.answers))
    if poll.multiple:
        entry["multiple"] = True
    entry["outcome"] = true_answers if poll.multiple else true_answers[0]
    entry["resolved"] = resolved_text(poll.resolved_at, launch.timezone)
    if poll.evidence_url:
        entry["evidence_url"] = poll.evidence_url
    return entry


def _narrowing(launch: LaunchRecord, launches: Sequence[LaunchRecord]) -> dict[str, str]:
    """Region, then kind, when the device's name alone names several launches of the file."""
    key = name_key(launch.device)
    named = [o for o in launches if key in {name_key(n) for n in (o.device, *o.aliases)}]
    if len(named) <= 1:
        return {}
    region = name_key(launch.region)
    if sum(name_key(o.region) == region for o in named) <= 1:
        return {"region": launch.region}
    return {"region": launch.region, "kind": launch.kind.value}


def resolved_text(at: datetime, zone: str) -> str:
    """When the answer came out, to the minute, as the importer reads it with the launch's zone
    as default: the day alone at midnight there, else the time with the zone; in UTC when the
    zone's wall clock would not read back the same instant (a doubled hour)."""
    instant = at.replace(second=0, microsecond=0)
    for tz in (zone, "UTC"):
        local = instant.astimezone(zone_for(tz))
        precision = Precision.DAY if (local.hour, local.minute) == (0, 0) else Precision.EXACT
        text = render_date(DateWindow(instant, instant + _MINUTE, precision, tz))
        try:
            if parse_date(text, default_tz=zone).start == instant:
                return text
        except InvalidDate:
            pass
    return render_date(DateWindow(instant, instant + _MINUTE, Precision.EXACT, "UTC"))
