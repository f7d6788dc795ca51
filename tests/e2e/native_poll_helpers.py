"""Short-hands for native polls: creating one, and waiting on what the database holds."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, update

from bot.db.engine import create_engine
from bot.db.models import Poll, Post
from bot.domain.vocabulary import PostState
from tests.e2e.calendar_helpers import run
from tests.e2e.harness import Server
from tests.emulator import Emulator, MessageRecord, RecordedRequest

T = TypeVar("T")
EXPIRE = "/channels/{channel_id}/polls/{message_id}/expire"
VOTERS = "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}"


async def create_native(
    emu: Emulator, server: Server, launch: str, **options: Any
) -> tuple[MessageRecord, int]:
    """A native poll posted by the editor: its message and the poll's id."""
    created = await run(
        emu, server.guild, server.editor, "poll", "create", launch=launch, native=True, **options
    )
    assert not created.ephemeral and created.message is not None, created.content
    found = re.match(r"📊 Poll #(\d+) ", created.content or "")
    assert found, created.content
    return created.message, int(found[1])


def poll_request(emu: Emulator, message: MessageRecord) -> dict[str, Any]:
    """The poll as the bot sent it in its answer to the interaction."""
    answers = [
        r
        for r in emu.requests_matching("POST", "/interactions/*")
        if isinstance(r.json, dict) and (r.json.get("data") or {}).get("poll")
    ]
    polls = [r.json["data"]["poll"] for r in answers]
    wanted = message.poll or {}
    matching = [p for p in polls if p["question"] == wanted.get("question")]
    assert matching, "no interaction answer carried this poll"
    return dict(matching[-1])


async def until_db(check: Callable[[], Awaitable[T | None]], what: str, timeout: float = 15) -> T:
    """``check``'s first answer that is not None, asked every 50 ms (writes trail replies)."""
    async with asyncio.timeout(timeout):
        while True:
            found = await check()
            if found is not None:
                return found
            await asyncio.sleep(0.05)
    raise AssertionError(what)  # pragma: no cover - the timeout raises first


async def poll_row(db_url: str, poll_id: int) -> Any:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(Poll).where(Poll.id == poll_id))).first()
    finally:
        await engine.dispose()


async def posted(db_url: str, poll_id: int) -> Any:
    """The poll's row once its message id is stored (None before)."""
    row = await poll_row(db_url, poll_id)
    return row if row is not None and row.message_id is not None else None


async def count_polls(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(Poll)) or 0)
    finally:
        await engine.dispose()


async def close_post(
    db_url: str, poll_id: int, wanted: Callable[[tuple[str, int]], bool]
) -> tuple[str, int] | None:
    """The poll's close post's state and how many times it was tried, if ``wanted``."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            state, attempts = (
                await conn.execute(
                    select(Post.state, Post.attempts).where(Post.subject == f"poll:{poll_id}")
                )
            ).one()
            found = str(getattr(state, "value", state)), int(attempts)
            return found if wanted(found) else None
    finally:
        await engine.dispose()


async def as_if_crashed(db_url: str, poll_id: int, lease_ran_out: datetime) -> None:
    """The close post as a process that died after storing the votes, before marking the post
    sent, leaves it: still claimed, under a lease that has run out."""
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(Post)
                .where(Post.subject == f"poll:{poll_id}")
                .values(state=PostState.SENDING, lease_until=lease_ran_out, sent_at=None)
            )
    finally:
        await engine.dispose()


def requests_for(emu: Emulator, route: str, message: MessageRecord) -> list[RecordedRequest]:
    return [
        r
        for r in emu.requests_matching(None, route)
        if r.params.get("message_id") == str(message.id)
    ]
