"""Short-hands for driving polls through the emulator and reading what their messages show."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import create_engine
from bot.db.models import Poll, PollVote, Post
from tests.e2e.calendar_helpers import button_id, launch_id_of, run
from tests.e2e.harness import Server
from tests.emulator import CallbackRecord, Emulator, Member, MessageRecord

FAST = {"LAUNCHBOT_POSTS_SWEEP_SECONDS": "0.05"}


async def add_launch(emu: Emulator, server: Server, **options: Any) -> str:
    added = await run(
        emu, server.guild, server.editor, "launch", "add",
        **{"device": "Xiaomi 12 Ultra", "brand": "Xiaomi", **options},
    )  # fmt: skip
    assert not added.ephemeral, added.content
    return launch_id_of(added)


async def create_poll(
    emu: Emulator, server: Server, launch: str, who: Member | None = None, **options: Any
) -> MessageRecord:
    created = await run(
        emu, server.guild, who or server.editor, "poll", "create", launch=launch, **options
    )
    assert not created.ephemeral and created.message is not None, created.content
    return created.message


def poll_id_of(message: MessageRecord) -> int:
    return int(message.embeds[0]["title"].split("#")[1])


async def click(emu: Emulator, message: MessageRecord, who: Member, label: str) -> CallbackRecord:
    """A click on the button labelled ``label``, answered (privately)."""
    handle = await emu.click_button(message, who, button_id(message, label))
    return await handle.wait_response()


async def click_stale(
    emu: Emulator, message: MessageRecord, who: Member, custom_id: str
) -> CallbackRecord:
    """A click as a client with an old copy of the message (or a modified one) sends it: on
    ``custom_id``, enabled, whatever the message shows now."""
    stale = copy.copy(message)
    stale.components = [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": custom_id}]}
    ]
    handle = await emu.click_button(stale, who, custom_id)
    return await handle.wait_response()


def description(message: MessageRecord) -> str:
    return str(message.embeds[0].get("description", ""))


def tally(message: MessageRecord) -> dict[str, int]:
    """Votes per answer as the message shows them ({} while results are hidden)."""
    lines = description(message).split("\n")
    shown: dict[str, int] = {}
    for label, counts in itertools.pairwise(lines):
        found = re.match(r"`[█░]+` \d+ % · ([\d,]+) votes?$", counts)
        if found:
            shown[label] = int(found[1].replace(",", ""))
    return shown


def enabled_labels(message: MessageRecord) -> list[str]:
    return [
        str(item.get("label"))
        for row in message.components
        for item in row.get("components") or []
        if not item.get("disabled")
    ]


async def until(emu: Emulator, done: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    await emu.message_store.notifier.wait_for(
        lambda: True if done() else None, timeout, lambda: f"{what} within {timeout} s"
    )


def edits_of(emu: Emulator, message: MessageRecord, since: int = 0) -> int:
    """PATCH requests the bot sent for the message through the channel's endpoint."""
    return len(
        emu.requests_matching(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            predicate=lambda r: r.params.get("message_id") == str(message.id),
            since=since,
        )
    )


async def stored(db_url: str, poll_id: int) -> tuple[str, list[tuple[int, int, int | None]]]:
    """The poll's state and its votes (member, choices, confidence) as the database holds them."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            state = (await conn.execute(select(Poll.state).where(Poll.id == poll_id))).scalar_one()
            votes = await conn.execute(
                select(PollVote.user_id, PollVote.choices, PollVote.confidence)
                .where(PollVote.poll_id == poll_id)
                .order_by(PollVote.user_id)
            )
            return str(getattr(state, "value", state)), [tuple(v) for v in votes]  # type: ignore[misc]
    finally:
        await engine.dispose()


async def poll_count(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(Poll)) or 0)
    finally:
        await engine.dispose()


async def close_posts(db_url: str, poll_id: int) -> list[tuple[str, str]]:
    """The poll's close posts: (key, state), oldest first."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Post.key, Post.state)
                .where(Post.subject == f"poll:{poll_id}")
                .order_by(Post.id)
            )
            return [(k, str(getattr(s, "value", s))) for k, s in rows]
    finally:
        await engine.dispose()


async def close_posts_when(
    db_url: str, poll_id: int, expected: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The poll's close posts once they are ``expected``, or as they are after 15 s: the bot
    marks a close sent once Discord has answered its edit, which the test may see first."""
    found: list[tuple[str, str]] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(15):
            while True:
                found = await close_posts(db_url, poll_id)
                if found == expected:
                    break
                await asyncio.sleep(0.05)
    return found
