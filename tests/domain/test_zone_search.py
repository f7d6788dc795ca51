"""The zone lookup's own data: every zone it names is one the bot accepts."""

from __future__ import annotations

from bot.domain.zone_search import COUNTRY_NAMES, PLACES, POPULAR, find_zones
from bot.domain.zones import canonical_zone_name


def test_every_listed_place_and_popular_zone_is_a_zone_the_bot_accepts() -> None:
    for zone in (*PLACES, *POPULAR):
        assert canonical_zone_name(zone) == zone


def test_every_place_and_country_name_finds_its_zone_first() -> None:
    for zone, places in PLACES.items():
        for place in places:
            assert find_zones(place)[0].zone == zone, place
    for name in COUNTRY_NAMES:
        assert find_zones(name)[0].country is not None, name


def test_suggestions_are_accepted_as_typed_and_limited() -> None:
    for typed in ("", "a", "asia", "utc-5", "united", "zzz"):
        found = find_zones(typed, 25)
        assert len(found) <= 25
        for match in found:
            assert canonical_zone_name(match.zone) == match.zone
    assert find_zones("zzz") == []
