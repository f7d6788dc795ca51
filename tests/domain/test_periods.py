"""/launch upcoming's `within` windows: only the offered keys are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.periods import WINDOWS, window_bounds

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def test_each_offered_window_has_its_bounds() -> None:
    assert window_bounds("all", NOW) == (NOW, None)
    assert window_bounds("7d", NOW) == (NOW, NOW + timedelta(days=7))
    assert window_bounds("365d", NOW) == (NOW, NOW + timedelta(days=365))
    assert all(window_bounds(key, NOW)[0] == NOW for key in WINDOWS)


@pytest.mark.parametrize("key", ["99999999999d", "-5d", "1d", "", "ALL", "\uff17d", "30"])
def test_any_other_key_is_refused_with_a_sentence(key: str) -> None:
    with pytest.raises(InvalidInput, match="Pick how far ahead"):
        window_bounds(key, NOW)
