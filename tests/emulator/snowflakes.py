"""Time-based snowflakes, exactly like Discord's: ``(ms since 2015-01-01) << 22 | counter``."""

from __future__ import annotations

import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake_at(unix_seconds: float, low_bits: int = 0) -> int:
    return (int(unix_seconds * 1000) - DISCORD_EPOCH_MS) << 22 | (low_bits & 0x3FFFFF)


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


class SnowflakeGenerator:
    """Strictly increasing snowflakes whose timestamp part is the current time."""

    def __init__(self, worker: int = 1, process: int = 1) -> None:
        self._prefix = (worker & 0x1F) << 17 | (process & 0x1F) << 12
        self._last = 0

    def next(self) -> int:
        candidate = snowflake_at(time.time(), self._prefix)
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """The next snowflake whose server would be on ``shard_id`` of ``shard_count``
        (``(id >> 22) % shard_count``): a millisecond or a few later, as Discord's ids go."""
        candidate = self.next()
        moment = candidate >> 22
        skip = (shard_id - moment) % shard_count
        if skip:
            candidate = (moment + skip) << 22 | self._prefix
            self._last = candidate
        return candidate


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def now_iso() -> str:
    return iso(datetime.now(UTC))
