"""Which failures tell the admins, how a note's cause is keyed, and its payload's round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.admin_note import (
    NOTE_KIND,
    AdminNote,
    PostFailure,
    cause_key,
    cause_prefix,
    note_plan,
    worth_a_note,
)

AT = datetime(2027, 3, 1, 12, tzinfo=UTC)
FAILURE = PostFailure("reminder", "Xiaomi 12 (China)", 1234, 403, 50013)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_a_final_refusal_of_a_post_is_told(status: int) -> None:
    assert worth_a_note("reminder", status)
    assert worth_a_note("digest", status)


@pytest.mark.parametrize("status", [None, 429, 500, 503])
def test_a_post_given_up_after_retries_is_not_told(status: int | None) -> None:
    assert not worth_a_note("reminder", status)


def test_a_note_that_fails_never_tells_about_itself() -> None:
    assert not worth_a_note(NOTE_KIND, 403)
    assert not worth_a_note(NOTE_KIND, 404)


def test_the_cause_is_the_channel_the_status_and_the_code() -> None:
    assert cause_key(FAILURE) == "failed:1234:403:50013"
    assert cause_key(PostFailure("launch", None, 1234, 404, None)) == "failed:1234:404:0"
    other_launch = PostFailure("notice", "Pixel 11", 1234, 403, 50013)
    assert cause_key(other_launch) == cause_key(FAILURE)  # one note for every post it stops
    assert cause_key(FAILURE).startswith(cause_prefix(1234))
    assert not cause_key(FAILURE).startswith(cause_prefix(123))
    longest = PostFailure("reminder", None, 2**64 - 1, 413, 2**31 - 1)
    assert len(cause_key(longest)) <= 80  # the key column's size


def test_the_note_is_due_at_once_with_a_days_grace_and_reads_back() -> None:
    plan = note_plan(FAILURE, AT)
    assert (plan.kind, plan.target, plan.key) == (NOTE_KIND, "channel", "failed:1234:403:50013")
    assert plan.due_at == AT and plan.expires_at == AT + timedelta(days=1)
    assert AdminNote.from_payload(plan.payload) == AdminNote(FAILURE, AT)


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"kind": "reminder"}, {**AdminNote(FAILURE, AT).payload(), "at": "yesterday"}],
)
def test_a_payload_that_is_not_a_notes_is_refused(payload: dict[str, object] | None) -> None:
    with pytest.raises(ValueError, match="not an admin note's payload"):
        AdminNote.from_payload(payload)
