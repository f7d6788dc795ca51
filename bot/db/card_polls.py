"""A launch's newest polls, as its card lists them (the catalog's resolved questions among
them): one statement on the ``(guild_id, launch_id)`` index."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, null, select

from bot.db.models import Poll
from bot.db.poll_rows import poll_record
from bot.db.read_session import ReadSession
from bot.domain.polls import PollRecord
from bot.domain.records import CARD_POLLS

POLLS = Poll.__table__.c


@cache
def _newest() -> Select[Any]:
    """The launch's title is the card's own, so it is not joined in again."""
    return (
        select(Poll.__table__, null().label("device_name"), null().label("region"))
        .where(POLLS.guild_id == bindparam("g"), POLLS.launch_id == bindparam("l"))
        .order_by(POLLS.id.desc())
        .limit(CARD_POLLS + 1)
    )


async def card_polls(session: ReadSession, guild_id: int, launch_id: int) -> tuple[PollRecord, ...]:
    rows = await session.execute(_newest(), {"g": guild_id, "l": launch_id})
    return tuple(poll_record(r) for r in rows)
