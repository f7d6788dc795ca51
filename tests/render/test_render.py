"""Rendering: honest dates, Discord timestamps for exact times, and Discord's limits respected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.app import limits
from bot.domain.change_notice import ChangeNotice, NoticeSide
from bot.domain.dates import parse_date
from bot.domain.records import AuditRecord, ClaimRecord, History, LaunchRecord, Page
from bot.domain.vocabulary import ClaimSubject, LaunchKind, LaunchStatus, SourceKind
from bot.render.launch_card import launch_card
from bot.render.lists import history_embed, upcoming_page
from bot.render.notices import change_notice
from bot.render.when import when_long, when_short

NOW = datetime(2021, 12, 1, tzinfo=UTC)


def launch(
    device: str = "Xiaomi 12", date: str | None = "Q1 2022", **extra: object
) -> LaunchRecord:
    fields: dict[str, object] = {
        "id": 7, "guild_id": 1, "device_id": 3, "device": device, "brand": "Xiaomi",
        "is_series": True, "aliases": ("Mi 12",), "region": "China",
        "kind": LaunchKind.ANNOUNCEMENT, "status": LaunchStatus.RUMORED,
        "window": parse_date(date, "Asia/Shanghai") if date else None,
        "timezone": "Asia/Shanghai", "confidence": 60, "livestream_url": None, "partner": "Leica",
        "note": None, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    fields.update(extra)
    return LaunchRecord(**fields)  # type: ignore[arg-type]


def claim(n: int, *, author: str = "Digital Chat Station", url: str | None = None) -> ClaimRecord:
    return ClaimRecord(
        id=n, launch_id=7, subject=ClaimSubject.DATE, window=parse_date("28 December 2021"),
        feature=None, present=None, statement=None, source_url=url,
        source_kind=SourceKind.LEAKER, author=author, seen_at=NOW + timedelta(hours=n),
        superseded_by_id=None, recorded_by=None,
    )  # fmt: skip


def embed_size(embed: discord.Embed) -> int:
    return len(embed)


def test_vague_dates_never_become_fake_timestamps() -> None:
    window = parse_date("Q1 2022")
    assert when_long(window) == "Q1 2022 (approximate)"
    assert when_short(window) == "≈ Q1 2022"
    assert "<t:" not in when_long(window) and "00:00" not in when_long(window)


def test_exact_times_use_discord_timestamps() -> None:
    window = parse_date("2021-12-28 19:30 Asia/Shanghai")
    stamp = int(datetime(2021, 12, 28, 11, 30, tzinfo=UTC).timestamp())
    assert when_long(window) == f"<t:{stamp}:F> (<t:{stamp}:R>)"
    assert when_short(window) == f"<t:{stamp}:f>"


def test_launch_card_shows_the_facts() -> None:
    card = launch_card(launch(), (claim(1, url="https://example.com/a"),))
    values = {f.name: f.value for f in card.fields}
    assert card.title == "Xiaomi 12"
    assert values["Date"] == "Q1 2022 (approximate)"
    assert values["Status"] == "Rumored" and values["Partner"] == "Leica"
    assert values["Confidence"] == "60%"
    assert "Digital Chat Station" in values["Latest claims"]
    assert " · <https://example.com/a> · " in values["Latest claims"]
    assert values["Also known as"] == "Mi 12"
    assert card.footer.text == "Launch #7"


def test_oversized_everything_stays_within_discord_limits() -> None:
    huge = launch(
        device="X" * 100,
        note="n" * 500,
        partner="p" * 100,
        aliases=tuple(f"alias {i} " + "a" * 90 for i in range(20)),
        livestream_url="https://example.com/" + "v" * 480,
    )
    claims = tuple(claim(i, author="A" * 100, url="https://e.com/" + "u" * 480) for i in range(40))
    card = launch_card(huge, claims)
    assert embed_size(card) <= limits.EMBED_TOTAL
    assert all(len(f.value or "") <= limits.FIELD_VALUE for f in card.fields)
    assert len(card.footer.text or "") <= limits.FOOTER
    before, after = {"status": "rumored"}, {"status": "x" * 200}
    audit = tuple(
        AuditRecord(i, NOW, 1, "m" * 100, "launch", 7, "edit", before, after) for i in range(60)
    )
    history = history_embed(History(huge, claims, audit))
    assert embed_size(history) <= limits.EMBED_TOTAL
    assert all(len(f.value or "") <= limits.FIELD_VALUE for f in history.fields)
    assert "earlier entries not shown" in (history.fields[0].value or "")
    page = upcoming_page(Page(tuple(huge for _ in range(10)), 1000, False, 1, False, True, 10))
    assert embed_size(page) <= limits.EMBED_TOTAL
    assert page.footer.text is not None and page.footer.text.startswith("Page 1 · more than 1,000")


def test_markdown_and_mentions_in_names_are_neutralised_in_notices() -> None:
    before = launch(device="@everyone <@&1> **Phone**", date="12 December 2021")
    after = launch(
        device="@everyone <@&1> **Phone**",
        date="2021-12-28 19:30 Asia/Shanghai",
        status=LaunchStatus.CONFIRMED,
    )
    notice = ChangeNotice(
        after.device,
        NoticeSide(before.window, before.status, "MyDrivers"),
        NoticeSide(after.window, after.status, "Xiaomi"),
        "https://www.mi.com/",
    )
    text = change_notice(ChangeNotice.from_payload(notice.payload()))
    assert "@everyone" not in text.replace("@\u200beveryone", "")
    assert "\\*\\*Phone\\*\\*" in text
    assert (
        "12 Dec 2021 (rumored, MyDrivers) → 28 Dec 2021 19:30 (UTC+08:00) (confirmed, Xiaomi)"
        in text
    )
    assert text.endswith("Source: <https://www.mi.com/>")


@pytest.mark.parametrize(
    ("total", "exact", "number", "has_next", "footer"),
    [
        (25, True, 1, True, "Page 1 of 3 · 25 launches"),
        (25, True, 3, False, "Page 3 of 3 · 25 launches"),
        (1, True, 1, False, "Page 1 of 1 · 1 launch"),
        (1000, False, 4, True, "Page 4 · more than 1,000 launches"),
        (1000, False, None, False, "Last page · more than 1,000 launches"),
        (1000, False, None, True, "Near the end · more than 1,000 launches"),
    ],
)
def test_page_footer_says_where_the_page_is(
    total: int, exact: bool, number: int | None, has_next: bool, footer: str
) -> None:
    page = Page((launch(),), total, exact, number, number != 1, has_next, 10)
    text = upcoming_page(page).footer.text or ""
    assert text.startswith(footer)
