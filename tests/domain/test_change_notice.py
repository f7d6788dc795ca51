"""What a change notice is planned with: only a date or status change is news, in a server that
wants notices and has a channel; it survives the trip through its post's JSON payload; and every
change gets its own key."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.change_notice import ChangeNotice, notice_key, notice_of, wanted_notice
from bot.domain.dates import parse_date
from bot.domain.guild_settings import GuildSettingsRecord
from bot.domain.records import ClaimRecord, LaunchChange, LaunchRecord
from bot.domain.vocabulary import ClaimSubject, LaunchKind, LaunchStatus, SourceKind

NOW = datetime(2027, 12, 1, 8, 0, 0, 123456, tzinfo=UTC)
SETTINGS = GuildSettingsRecord(
    guild_id=1, timezone="UTC", reminder_offsets=(), digest_weekday=None, digest_time="09:00",
    announce_channel_id=55,
)  # fmt: skip


def _launch(date: str | None, status: LaunchStatus = LaunchStatus.RUMORED) -> LaunchRecord:
    return LaunchRecord(
        id=7, guild_id=1, device_id=3, device="Xiaomi 12", brand="Xiaomi", is_series=False,
        aliases=(), region="China", kind=LaunchKind.ANNOUNCEMENT, status=status,
        window=parse_date(date, "Asia/Shanghai") if date else None, timezone="Asia/Shanghai",
        confidence=None, livestream_url=None, partner=None, note=None, created_at=NOW,
        updated_at=NOW,
    )  # fmt: skip


def _claim(n: int, date: str, author: str, url: str | None = None) -> ClaimRecord:
    return ClaimRecord(
        id=n, launch_id=7, subject=ClaimSubject.DATE, window=parse_date(date, "Asia/Shanghai"),
        feature=None, present=None, statement=None, source_url=url,
        source_kind=SourceKind.LEAKER, author=author, seen_at=NOW - timedelta(days=10 - n),
        superseded_by_id=None, recorded_by=None,
    )  # fmt: skip


def _confirmed() -> LaunchChange:
    official = _claim(2, "2027-12-28 19:30", "Xiaomi", "https://www.mi.com/")
    return LaunchChange(
        _launch("12 December 2027"),
        _launch("2027-12-28 19:30", LaunchStatus.CONFIRMED),
        SETTINGS,
        (_claim(1, "12 December 2027", "MyDrivers"), official),
        official,
    )


def test_a_change_of_date_and_status_says_both_sides_and_who_stood_behind_them() -> None:
    notice = notice_of(_confirmed())
    assert notice is not None
    assert (notice.before.status, notice.before.source) == (LaunchStatus.RUMORED, "MyDrivers")
    assert (notice.after.status, notice.after.source) == (LaunchStatus.CONFIRMED, "Xiaomi")
    assert notice.after.window == parse_date("2027-12-28 19:30", "Asia/Shanghai")
    assert notice.source_url == "https://www.mi.com/"


def test_the_payload_is_plain_json_and_reads_back_the_same() -> None:
    notice = notice_of(_confirmed())
    assert notice is not None
    stored = json.loads(json.dumps(notice.payload()))
    assert ChangeNotice.from_payload(stored) == notice


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"device": "X", "before": None, "after": None}, {"device": "X", "before": {
        "status": "dreaming", "source": None, "window": None}, "after": {}}],
)  # fmt: skip
def test_a_payload_that_is_not_a_notices_is_refused(payload: dict[str, object] | None) -> None:
    with pytest.raises(ValueError, match="not a change notice"):
        ChangeNotice.from_payload(payload)


def test_only_news_in_a_server_that_wants_it_is_planned() -> None:
    change = _confirmed()
    assert wanted_notice(change) == notice_of(change)
    assert wanted_notice(replace(change, settings=replace(SETTINGS, change_notices=False))) is None
    assert (
        wanted_notice(replace(change, settings=replace(SETTINGS, announce_channel_id=None))) is None
    )
    same = change.before
    assert notice_of(replace(change, after=same)) is None  # a note edited: no news
    assert notice_of(replace(change, before=None)) is None  # an add
    assert notice_of(replace(change, after=None)) is None  # a removal


def test_each_change_has_its_own_key() -> None:
    notice = notice_of(_confirmed())
    assert notice is not None
    back = ChangeNotice(notice.device, notice.after, notice.before, None)
    key = notice_key(NOW, notice)
    assert key.startswith("notice@20271201T080000.123456#") and len(key) <= 80
    assert key == notice_key(NOW, notice)
    assert key != notice_key(NOW + timedelta(microseconds=1), notice)
    assert key != notice_key(NOW, back)  # a clock standing still: there and back again
