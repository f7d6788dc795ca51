"""Short-hands for resolving polls through the emulator and reading what the bot posted and
stored about their outcomes."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import AuditEntry, Poll, Post
from bot.domain.poll_resolution import OUTCOME_KIND
from tests.e2e.calendar_helpers import button_id, run
from tests.e2e.harness import Server
from tests.e2e.poll_helpers import create_poll, description, until
from tests.emulator import CallbackRecord, Channel, Emulator, Member, MessageRecord

EVIDENCE = "https://www.leica-camera.com/en-int/press/xiaomi-12s-ultra"
OUTCOME = re.compile(r"^(?:✅ \*\*Poll #(\d+) resolved:\*\*|✏️ \*\*Corrected: poll #(\d+)\*\*)")


async def resolve(
    emu: Emulator,
    server: Server,
    poll_id: int | str,
    answer: str,
    evidence: str = EVIDENCE,
    who: Member | None = None,
) -> CallbackRecord:
    return await run(
        emu, server.guild, who or server.editor, "poll", "resolve", poll=str(poll_id),
        answer=answer, evidence=evidence,
    )  # fmt: skip


def outcome_messages(emu: Emulator, channel: Channel, poll_id: int) -> list[MessageRecord]:
    """The bot's outcome posts (and corrections) about the poll in the channel, oldest first."""
    found = []
    for message in emu.message_store.in_channel(channel.id):
        matched = OUTCOME.match(message.content or "")
        if matched and int(matched[1] or matched[2]) == poll_id:
            found.append(message)
    return found


async def until_outcomes(
    emu: Emulator, channel: Channel, poll_id: int, count: int, timeout: float = 30.0
) -> list[MessageRecord]:
    await until(
        emu, lambda: len(outcome_messages(emu, channel, poll_id)) >= count,
        f"{count} outcome post(s) of poll #{poll_id}", timeout,
    )  # fmt: skip
    return outcome_messages(emu, channel, poll_id)


async def until_card(emu: Emulator, message: MessageRecord, needle: str) -> None:
    await until(emu, lambda: needle in description(message), f"the card to show {needle!r}")


async def outcome_rows(db_url: str, poll_id: int) -> list[tuple[str, str]]:
    """The poll's outcome posts: (key, state), oldest first."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Post.key, Post.state)
                .where(Post.subject == f"poll:{poll_id}", Post.kind == OUTCOME_KIND)
                .order_by(Post.id)
            )
            return [(k, str(getattr(s, "value", s))) for k, s in rows]
    finally:
        await engine.dispose()


async def poll_row(db_url: str, poll_id: int) -> dict[str, Any]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(select(Poll.__table__).where(Poll.id == poll_id))).one()
            return dict(row._mapping)
    finally:
        await engine.dispose()


async def poll_audit(db_url: str, poll_id: int) -> list[tuple[str, Any, Any]]:
    """The poll's audit entries: (action, before, after), oldest first."""
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
                .where(AuditEntry.entity == "poll", AuditEntry.entity_id == poll_id)
                .order_by(AuditEntry.id)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        await engine.dispose()


async def vote_sure(
    emu: Emulator, message: MessageRecord, who: Member, label: str, sure: str
) -> str:
    """A vote on a poll that asks how sure: the click, then the pick in the private menu."""
    handle = await emu.click_button(message, who, button_id(message, label))
    prompt = await handle.wait_response()
    assert prompt.ephemeral and prompt.message is not None, prompt.content
    menu = prompt.message.components[0]["components"][0]
    picked = await (
        await emu.select(prompt.message, who, menu["custom_id"], [sure])
    ).wait_response()
    assert picked.ephemeral
    return str(picked.content)


def standings(reply: CallbackRecord) -> list[int]:
    """The ranked members' ids, in rank order, as the leaderboard shows them."""
    text = str(reply.embeds[0].get("description", ""))
    return [int(m[1]) for m in re.finditer(r"^\*\*\d+\.\*\* <@(\d+)>", text, re.MULTILINE)]


async def until_outcome_rows(
    db_url: str, poll_id: int, expected: list[tuple[str, str]], timeout: float = 30.0
) -> None:
    """Waits for the poll's outcome posts to be as ``expected`` (the message lands a moment
    before its row is marked sent)."""
    found = await outcome_rows(db_url, poll_id)
    async with asyncio.timeout(timeout):
        while found != expected:
            await asyncio.sleep(0.05)
            found = await outcome_rows(db_url, poll_id)


async def until_stored_message(db_url: str, poll_id: int, timeout: float = 15.0) -> None:
    """Waits until the poll knows its message (stored just after the reply that posted it)."""
    row = await poll_row(db_url, poll_id)
    async with asyncio.timeout(timeout):
        while row["message_id"] is None:
            await asyncio.sleep(0.02)
            row = await poll_row(db_url, poll_id)


async def posted_poll(
    emu: Emulator, server: Server, db_url: str, launch: str, **options: Any
) -> MessageRecord:
    """``create_poll``, returning once the poll knows its message (so its outcome can answer it)."""
    message = await create_poll(emu, server, launch, **options)
    await until_stored_message(db_url, int(message.embeds[0]["title"].split("#")[1]))
    return message
