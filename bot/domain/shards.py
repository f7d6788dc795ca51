"""Which servers a bot process owns when the bot runs as shards.

Discord gives each server to one shard: ``(guild_id >> 22) % shard_count``. A process that runs
shards ``first`` to ``last`` of ``count`` owns those servers: it gets their events and
interactions, and it alone sends their scheduled posts. Direct messages come on shard 0.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SHARDS = 65_536
"""Far above any bot's shard count; a bound for bad input, not a Discord limit."""


def shard_of(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count


@dataclass(frozen=True, slots=True)
class ShardSpan:
    """Shards ``first`` to ``last`` (both included) of ``count``."""

    count: int
    first: int
    last: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS or not 0 <= self.first <= self.last < self.count:
            raise ValueError(f"shards {self.first}-{self.last} of {self.count}")

    @classmethod
    def all_of(cls, count: int) -> ShardSpan:
        return cls(count, 0, count - 1)

    @property
    def ids(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    @property
    def covers_all(self) -> bool:
        """This process runs every shard: it owns every server."""
        return self.first == 0 and self.last == self.count - 1

    @property
    def share(self) -> float:
        """The part of the bot this process runs (its part of the bot's global request budget)."""
        return (self.last - self.first + 1) / self.count

    def owns(self, guild_id: int | None) -> bool:
        """Whether this process owns ``guild_id`` (None: a direct message, shard 0's)."""
        shard = 0 if guild_id is None else shard_of(guild_id, self.count)
        return self.first <= shard <= self.last

    def __str__(self) -> str:
        run = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"shards {run} of {self.count}"


def parse_shard_range(text: str) -> tuple[int, int]:
    """``A-B`` or ``A`` (shard numbers from 0) as ``(A, B)``; ValueError otherwise."""
    parts = text.strip().split("-")
    if len(parts) > 2 or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
        raise ValueError("a shard number or a range such as 0-3")
    first, last = int(parts[0]), int(parts[-1])
    if first > last:
        raise ValueError("a range whose first shard is not after its last, such as 0-3")
    if last >= MAX_SHARDS:
        raise ValueError(f"shard numbers below {MAX_SHARDS}")
    return first, last
