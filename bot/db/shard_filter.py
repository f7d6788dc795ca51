"""The servers a process owns, as SQL: ``(guild_id >> 22) % count BETWEEN first AND last``, the
shard Discord gives each server (``bot/domain/shards.py``), computed by the database from the
row's own ``guild_id``, so no list of servers is sent and a server the bot has not seen yet is
owned too. A process that runs every shard (or an unsharded one) adds no condition at all."""

from __future__ import annotations

from sqlalchemy import BigInteger, ColumnElement, Integer, bindparam, literal_column
from sqlalchemy.orm import QueryableAttribute

from bot.domain.shards import ShardSpan

PARAMETERS = ("shard_count", "shard_first", "shard_last")
_TIMESTAMP_BITS = literal_column("22", Integer)
"""Written into the SQL: PostgreSQL shifts a bigint by an integer only."""


Column = ColumnElement[int] | QueryableAttribute[int]


def owned(guild_id: Column, shards: ShardSpan | None) -> ColumnElement[bool] | None:
    """The condition that ``guild_id`` (a column) belongs to ``shards``; None when every server
    does."""
    if shards is None or shards.covers_all:
        return None
    shard = guild_id.bitwise_rshift(_TIMESTAMP_BITS) % shards.count
    return shard.between(shards.first, shards.last)


def owned_by_parameters(guild_id: Column) -> ColumnElement[bool]:
    """``owned`` with named parameters (``shard_values``), for a statement compiled once."""
    count, first, last = (bindparam(name, type_=BigInteger) for name in PARAMETERS)
    return (guild_id.bitwise_rshift(_TIMESTAMP_BITS) % count).between(first, last)


def shard_values(shards: ShardSpan) -> dict[str, int]:
    return dict(zip(PARAMETERS, (shards.count, shards.first, shards.last), strict=True))
