"""A change notice ("a date moved, a status changed") as it is planned: what it will say, taken
from the change when it happens, since the launch may change again before the notice goes out.

It travels in its post's payload as plain JSON values and is read back when it is sent."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.dates import DateWindow
from bot.domain.records import LaunchChange
from bot.domain.vocabulary import LaunchStatus, Precision

NOTICE_KIND = "notice"
NOTICE_GRACE = timedelta(minutes=30)
"""A notice retried or taken up later than this after the change is no longer news."""


@dataclass(frozen=True, slots=True)
class NoticeSide:
    """The launch on one side of the change: its date, its status, and who stood behind it."""

    window: DateWindow | None
    status: LaunchStatus
    source: str | None


@dataclass(frozen=True, slots=True)
class ChangeNotice:
    device: str
    before: NoticeSide
    after: NoticeSide
    source_url: str | None

    def payload(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "before": _side_payload(self.before),
            "after": _side_payload(self.after),
            "source_url": self.source_url,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any] | None) -> ChangeNotice:
        """Raises ``ValueError`` when the payload is not a notice's."""
        try:
            assert data is not None
            return cls(
                str(data["device"]),
                _side(data["before"]),
                _side(data["after"]),
                _optional(data.get("source_url")),
            )
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a change notice's payload: {exc!r}") from exc


def notice_of(change: LaunchChange) -> ChangeNotice | None:
    """The notice a change deserves: only a date or a status that changed is news."""
    before, after = change.before, change.after
    if before is None or after is None or not change.date_or_status_changed:
        return None
    source = change.source
    return ChangeNotice(
        device=after.device,
        before=NoticeSide(before.window, before.status, change.previous_source),
        after=NoticeSide(after.window, after.status, source.author if source else None),
        source_url=source.source_url if source else None,
    )


def wanted_notice(change: LaunchChange) -> ChangeNotice | None:
    """The notice to plan: one the change deserves, in a server that wants notices and has a
    channel for them (both are checked again when it is sent: settings can change between)."""
    settings = change.settings
    if not settings.change_notices or settings.announce_channel_id is None:
        return None
    return notice_of(change)


def notice_key(changed_at: datetime, notice: ChangeNotice) -> str:
    """Unique per change of a launch: when it changed (the launch is locked while it changes, so
    no two changes share a moment) and, for a clock that stands still, what changed."""
    text = json.dumps(notice.payload(), sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{NOTICE_KIND}@{changed_at:%Y%m%dT%H%M%S.%f}#{digest}"


def _side_payload(side: NoticeSide) -> dict[str, Any]:
    window = side.window
    return {
        "status": side.status.value,
        "source": side.source,
        "window": None
        if window is None
        else {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "precision": window.precision.value,
            "tz": window.tz,
        },
    }


def _side(data: dict[str, Any]) -> NoticeSide:
    window = data["window"]
    return NoticeSide(
        None
        if window is None
        else DateWindow(
            _aware(window["start"]),
            _aware(window["end"]),
            Precision(window["precision"]),
            str(window["tz"]),
        ),
        LaunchStatus(data["status"]),
        _optional(data.get("source")),
    )


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
