"""When a poll's answer came out, as the catalog writes it: read back by the importer (with the
launch's zone as default) as the same minute, the day alone at local midnight, UTC where the
local wall clock is ambiguous."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.catalog_poll_writer import resolved_text
from bot.domain.dates import Precision, parse_date

SH, BER = "Asia/Shanghai", "Europe/Berlin"


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type, misc]


@pytest.mark.parametrize(
    ("at", "zone", "text"),
    [
        (_utc(2022, 7, 4, 11, 0, 59), SH, "4 July 2022 19:00 Asia/Shanghai"),
        (_utc(2022, 7, 3, 16, 0), SH, "4 July 2022"),
        (_utc(2022, 7, 4, 0, 0), "UTC", "4 July 2022"),
        (_utc(2022, 7, 4, 0, 0), SH, "4 July 2022 08:00 Asia/Shanghai"),
        # 02:30 happens twice in Berlin that night: the first reads back, the second is UTC
        (_utc(2027, 10, 31, 0, 30), BER, "31 October 2027 02:30 Europe/Berlin"),
        (_utc(2027, 10, 31, 1, 30), BER, "31 October 2027 01:30 UTC"),
        # midnight in UTC but not in the launch's zone, which is the importer's default
        (_utc(2027, 10, 31, 0, 0), BER, "31 October 2027 02:00 Europe/Berlin"),
    ],
)  # fmt: skip
def test_the_text_reads_back_as_the_same_minute(at: datetime, zone: str, text: str) -> None:
    assert resolved_text(at, zone) == text
    window = parse_date(text, default_tz=zone)
    assert window.start == at.replace(second=0)
    assert window.precision in (Precision.EXACT, Precision.DAY)
