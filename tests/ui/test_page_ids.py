"""The page buttons' custom_ids: what is written reads back the same, always fits Discord's 100
characters, and anything not written by the bot reads as nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar_query import PageRequest, Turn
from bot.domain.periods import WINDOWS
from bot.domain.records import CalendarKey
from bot.domain.text import NAME_MAX, REGION_MAX, name_key
from bot.domain.vocabulary import LaunchStatus
from bot.ui import page_ids
from bot.ui.page_ids import CUSTOM_ID_MAX, ListingFilters, PageButton, TextFilter

moments = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
    max_value=datetime(2999, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
keys = st.builds(CalendarKey, moments, moments, st.integers(1, 2**31 - 1))
texts = st.none() | st.text(min_size=1, max_size=NAME_MAX).map(name_key).filter(bool)
regions = st.none() | st.text(min_size=1, max_size=REGION_MAX).map(name_key).filter(bool)


@st.composite
def buttons(draw: st.DrawFn) -> PageButton:
    turn = draw(st.sampled_from(Turn))
    key = draw(keys) if turn in (Turn.NEXT, Turn.PREVIOUS) else None
    brand, region = draw(texts), draw(regions)
    filters = ListingFilters(
        draw(st.sampled_from(tuple(WINDOWS))),
        draw(st.none() | st.sampled_from(LaunchStatus)),
        TextFilter(key=brand) if brand else None,
        TextFilter(key=region) if region else None,
    )
    number = draw(st.none() | st.integers(1, 101))
    request = PageRequest(turn, key, 10, draw(st.integers(0, 1000)), draw(st.booleans()), number)
    return PageButton(draw(st.integers(0, 2**64 - 1)), filters, request)


@given(buttons())
def test_every_button_reads_back_and_fits(button: PageButton) -> None:
    custom_id = page_ids.write(button)
    assert len(custom_id) <= CUSTOM_ID_MAX
    back = page_ids.read(custom_id, 10)
    assert back is not None
    assert (back.owner_id, back.request) == (button.owner_id, button.request)
    assert back.filters.within == button.filters.within
    assert back.filters.status == button.filters.status
    for wanted, got in (
        (button.filters.brand, back.filters.brand),
        (button.filters.region, back.filters.region),
    ):
        if wanted is None:
            assert got is None
        else:
            assert got is not None and got.matches(wanted.key or "")
            assert got.key in (wanted.key, None)


def test_short_filters_travel_as_keys_and_long_ones_as_digests() -> None:
    request = PageRequest(Turn.NEXT, CalendarKey(datetime.now(UTC), datetime.now(UTC), 7), 10, 40)
    short = ListingFilters("30d", None, TextFilter(key="xiaomi: 100%"), TextFilter(key="中国"))
    back = page_ids.read(page_ids.write(PageButton(1, short, request)), 10)
    assert back is not None and back.filters == short
    long_brand = TextFilter(key="b" * 90)
    long = ListingFilters("all", LaunchStatus.CONFIRMED, long_brand, TextFilter(key="global"))
    back = page_ids.read(page_ids.write(PageButton(1, long, request)), 10)
    assert back is not None and back.filters.brand is not None
    assert back.filters.brand.key is None and back.filters.brand.matches("b" * 90)
    assert not back.filters.brand.matches("b" * 89)
    assert back.filters.region == TextFilter(key="global")


def _valid() -> str:
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    key = CalendarKey(moment, moment + timedelta(days=1), 12)
    request = PageRequest(Turn.NEXT, key, 10, 25, True, 1)
    return page_ids.write(PageButton(42, ListingFilters(), request))


@pytest.mark.parametrize(
    "forged",
    [
        "lb:pg:",
        "lb:pg:stale",
        _valid().replace("lb:pg:n4", "lb:pg:n9"),  # no such window
        _valid().replace("lb:pg:n4-", "lb:pg:n48"),  # no such status
        _valid().replace(":16:", ":zzzzzzzzzzzzz:"),  # owner past 64 bits
        _valid().replace("lb:pg:n", "lb:pg:f"),  # First with a key
        _valid().replace("lb:pg:n", "lb:pg:x"),
        _valid() + ":extra",
        _valid()[:-2] + ":h12",  # digest too short
        _valid()[:-2] + ":k%41",  # an escape the bot never writes
        _valid().replace("1", "\u0661"),  # Arabic-Indic digit one
    ],
)
def test_ids_the_bot_never_wrote_read_as_nothing(forged: str) -> None:
    assert page_ids.read(_valid(), 10) is not None
    assert page_ids.read(forged, 10) is None
