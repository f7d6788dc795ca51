"""Each gateway shard's connection as the client sees it, for a plain client (one connection)
and an ``AutoShardedClient`` (one per shard) alike."""

from __future__ import annotations

import math
from dataclasses import dataclass

import discord


@dataclass(frozen=True, slots=True)
class ShardState:
    shard_id: int
    connected: bool
    latency: float | None
    """Seconds between the last heartbeat and its acknowledgement; None before the first."""


def shard_states(client: discord.Client) -> list[ShardState]:
    """Every shard this process runs, in order; a shard not launched yet is not connected."""
    closed = client.is_closed()
    if isinstance(client, discord.AutoShardedClient):
        found = {
            shard_id: ShardState(
                shard_id, not closed and not info.is_closed(), _finite(info.latency)
            )
            for shard_id, info in client.shards.items()
        }
        for shard_id in client.shard_ids or range(client.shard_count or 0):
            found.setdefault(shard_id, ShardState(shard_id, False, None))
        return [found[shard_id] for shard_id in sorted(found)]
    ws = client.ws
    connected = not closed and ws is not None and ws.open
    return [ShardState(client.shard_id or 0, connected, _finite(client.latency))]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
