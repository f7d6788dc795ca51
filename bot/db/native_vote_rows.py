"""A native poll's votes as Discord reported them when it ended, stored as ``poll_votes`` rows
(choices as a bitmask, no confidence), so resolving and scoring read them like any other votes.

The members' votes come as one JSON parameter, so each statement has one shape for any number
of voters (no list of parameters to outgrow a driver's limit)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import cache

from sqlalchemy import String, TextClause, bindparam, delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Poll
from bot.db.types import UTCDateTime

_SOURCE = {
    "sqlite": """(
        SELECT json_extract(value, '$.u') AS u, json_extract(value, '$.c') AS c
        FROM json_each(:votes)
    ) AS b""",
    "postgresql": "json_to_recordset(CAST(:votes AS json)) AS b(u bigint, c integer)",
}


@cache
def _upsert(dialect: str) -> TextClause:
    """Every vote in one statement, only on a native poll of this server; a member's row that
    is already there keeps its first ``cast_at`` and changes only if the choices differ, so a
    close read again stores nothing twice."""
    return text(
        f"""
        INSERT INTO poll_votes
            (guild_id, poll_id, user_id, choices, confidence, cast_at, updated_at)
        SELECT p.guild_id, p.id, b.u, b.c, NULL, :now, :now
        FROM {_SOURCE[dialect]}
        JOIN polls AS p ON p.id = :p AND p.guild_id = :g
        WHERE p.native AND b.c > 0
        ON CONFLICT (poll_id, user_id) DO UPDATE SET
            choices = excluded.choices, confidence = NULL, updated_at = excluded.updated_at
        WHERE poll_votes.choices <> excluded.choices OR poll_votes.confidence IS NOT NULL
        """
    ).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("votes", type_=String()))


@cache
def _drop_others(dialect: str) -> TextClause:
    """Rows of members Discord no longer lists (none, unless something wrote them meanwhile)."""
    return text(
        f"""
        DELETE FROM poll_votes
        WHERE guild_id = :g AND poll_id = :p
          AND user_id NOT IN (SELECT b.u FROM {_SOURCE[dialect]})
        """
    ).bindparams(bindparam("votes", type_=String()))


async def store_votes(
    session: AsyncSession, guild_id: int, poll_id: int, votes: Mapping[int, int], now: datetime
) -> None:
    """Makes the poll's stored votes exactly ``votes`` (member -> choices bitmask)."""
    payload = json.dumps([{"u": user, "c": choices} for user, choices in votes.items()])
    dialect = session.get_bind().dialect.name
    values = {"g": guild_id, "p": poll_id, "votes": payload}
    await session.execute(_drop_others(dialect), values)
    await session.execute(_upsert(dialect), {**values, "now": now})


async def delete_poll(session: AsyncSession, guild_id: int, poll_id: int) -> None:
    """The poll and its votes (a native poll Discord would not take)."""
    await session.execute(
        delete(Poll)
        .where(Poll.guild_id == guild_id, Poll.id == poll_id)
        .execution_options(synchronize_session=False)
    )
