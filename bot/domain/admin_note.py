"""A note to a server's admins when Discord refuses a scheduled post for good.

A channel post (a reminder, a launch post, a digest, a change notice) that Discord answers with a
final 4xx (the channel is gone, closed to the bot, or refused the post) fails, and the admins are
told once per cause: the note is a post of its own, keyed by its cause (the channel, Discord's
status and code), planned in the transaction that records the failure, so fifty posts failing
for one reason plan one note, whichever process records them. It says what failed first (from
its payload, since the launch may change or go before it is sent) and goes to the announce
channel as it is set when the note is sent; if Discord refuses the note too, the note fails like
any post and tells nobody about itself.

Once a post to that channel goes through again, its causes are freed (the told note's key is
renamed), so the same failure later is a new problem and is told again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.delivery import FINAL_STATUSES
from bot.domain.records import PostPlan

NOTE_KIND = "admin_note"
NOTE_SUBJECT = "server"
NOTE_TARGET = "channel"
"""The server's announce channel, as it is set when the note goes out."""
NOTE_GRACE = timedelta(days=1)
"""A note retried (Discord down) or taken up (the bot down) later than this is dropped: the
failure is still listed by /settings show."""
CAUSE = "failed:"
TOLD = "told:"

KIND_NAMES = {
    "reminder": "reminder",
    "launch": "launch post",
    "digest": "weekly digest",
    "notice": "change notice",
    NOTE_KIND: "note to admins",
}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


@dataclass(frozen=True, slots=True)
class PostFailure:
    """A channel post Discord refused for good: which channel, Discord's status and JSON code,
    and what the post was (its kind and, for a launch's posts, the launch's title)."""

    kind: str
    about: str | None
    channel_id: int
    status: int
    code: int | None


@dataclass(frozen=True, slots=True)
class AdminNote:
    """What a note says: the failure that planned it, and when that was. It travels in the
    note's payload as plain JSON values."""

    failure: PostFailure
    at: datetime

    def payload(self) -> dict[str, Any]:
        f = self.failure
        return {
            "kind": f.kind,
            "about": f.about,
            "channel_id": str(f.channel_id),
            "status": f.status,
            "code": f.code,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any] | None) -> AdminNote:
        """Raises ``ValueError`` when the payload is not a note's."""
        try:
            assert data is not None
            about, code = data.get("about"), data.get("code")
            failure = PostFailure(
                kind=str(data["kind"]),
                about=None if about is None else str(about),
                channel_id=int(data["channel_id"]),
                status=int(data["status"]),
                code=None if code is None else int(code),
            )
            at = datetime.fromisoformat(str(data["at"]))
            assert at.tzinfo is not None
            return cls(failure, at)
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not an admin note's payload: {exc!r}") from exc


def cause_prefix(channel_id: int) -> str:
    return f"{CAUSE}{channel_id}:"


def cause_key(failure: PostFailure) -> str:
    return f"{cause_prefix(failure.channel_id)}{failure.status}:{failure.code or 0}"


def worth_a_note(kind: str, status: int | None) -> bool:
    """Only a final refusal of a post that is not itself a note: a post given up after
    retries (Discord or the network down) is nothing admins can fix, and a note that fails
    must not plan a note about itself."""
    return kind != NOTE_KIND and status in FINAL_STATUSES


def note_plan(failure: PostFailure, now: datetime) -> PostPlan:
    """The note about ``failure``, due at once."""
    return PostPlan(
        key=cause_key(failure),
        target=NOTE_TARGET,
        kind=NOTE_KIND,
        due_at=now,
        expires_at=now + NOTE_GRACE,
        payload=AdminNote(failure, now).payload(),
    )
