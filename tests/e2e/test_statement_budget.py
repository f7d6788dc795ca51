"""How much database work each command costs, counted with SQLAlchemy's events while the real bot
answers through the emulator: a count, not a time.

Budgets (docs/architecture.md): a write command at most 2 connection checkouts and 12
statements, including the posts it plans (its change notice among them) and its Discord event
mirror; a read command 1 checkout and at most 4 statements. The dispatcher, which sends the
posts afterwards in its own transactions, is not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.loop_read import loop_reader
from tests.e2e.calendar_helpers import answer_of, button_id, launch_id_of, seed_launches
from tests.e2e.harness import RunningBot, Server
from tests.emulator import CallbackRecord, Emulator, Member

WRITE = (2, 12)
READ = (1, 4)


@dataclass
class Tally:
    statements: list[str] = field(default_factory=list)
    checkouts: int = 0

    def reset(self) -> None:
        self.statements.clear()
        self.checkouts = 0


@pytest.fixture
def tally(bot: RunningBot) -> Iterator[Tally]:
    engine: AsyncEngine = bot.app.runtime.engine
    counted = Tally()

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        verb = statement.split()[0].upper()
        # Transaction control is not counted: asyncpg sends BEGIN outside the cursor, where no
        # event sees it, and on SQLite bot.db.engine sends it through the cursor.
        if verb not in ("BEGIN", "COMMIT", "ROLLBACK"):
            counted.statements.append(verb)

    def on_checkout(*_: Any) -> None:
        counted.checkouts += 1

    # SQLite's reads on the loop's thread go through an engine of their own (bot.db.loop_read)
    reader = loop_reader(engine)
    engines = [engine.sync_engine, *([reader.engine] if reader else [])]
    for counted_engine in engines:
        event.listen(counted_engine, "before_cursor_execute", on_statement)
        event.listen(counted_engine, "checkout", on_checkout)
    yield counted
    for counted_engine in engines:
        event.remove(counted_engine, "before_cursor_execute", on_statement)
        event.remove(counted_engine, "checkout", on_checkout)


async def _settled(bot: RunningBot) -> None:
    """Commands are counted in flight by the bot until everything after the reply is done too
    (the notice, the event mirror)."""
    async with asyncio.timeout(30):
        await bot.bot.in_flight.idle()


class Budget:
    def __init__(self, emu: Emulator, server: Server, bot: RunningBot, tally: Tally) -> None:
        self.emu, self.server, self.bot, self.tally = emu, server, bot, tally
        self.seen: dict[str, tuple[int, int]] = {}

    async def command(
        self, limit: tuple[int, int], who: Member, name: str, sub: str | None, **options: Any
    ) -> CallbackRecord:
        async with self.alone():
            handle = await self.emu.invoke_slash(
                self.server.guild, who, name, subcommand=sub, options=options
            )
            reply = await answer_of(handle)
        self._check(f"/{name} {sub or ''}".rstrip(), limit, reply)
        return reply

    async def autocomplete(self, sub: str, focused: str, **options: Any) -> list[dict[str, Any]]:
        async with self.alone():
            handle = await self.emu.invoke_autocomplete(
                self.server.guild, self.server.member, "launch", subcommand=sub, focused=focused,
                options=options,
            )  # fmt: skip
            reply = await handle.wait_response()
        self._check(f"autocomplete /launch {sub} {focused}", READ, reply)
        return reply.choices

    @contextlib.asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        """Counts an interaction alone: the posts a write plans (its change notice among them)
        are sent afterwards by the dispatcher, in its own transactions, so the dispatcher waits
        meanwhile (a look already under way finishes first)."""
        scheduler = self.bot.bot.scheduler
        scheduler.pause()
        try:
            await _settled(self.bot)
            self.tally.reset()
            yield
            await _settled(self.bot)
        finally:
            scheduler.resume()

    def _check(self, label: str, limit: tuple[int, int], reply: CallbackRecord) -> None:
        assert not reply.ephemeral or not (reply.content or "").startswith("Something went wrong")
        used = (self.tally.checkouts, len(self.tally.statements))
        self.seen[label] = used
        assert used[0] <= limit[0] and used[1] <= limit[1], (
            f"{label}: {used[0]} checkouts and {used[1]} statements "
            f"({', '.join(self.tally.statements)}); the budget is {limit[0]} and {limit[1]}"
        )
        assert used[1] > 0, f"{label} did no database work: the counter is not attached"
        print(f"{label}: {used[0]} checkouts, {used[1]} statements")


async def test_every_command_stays_within_its_database_budget(
    emu: Emulator, server: Server, bot: RunningBot, tally: Tally
) -> None:
    budget = Budget(emu, server, bot, tally)
    editor, member = server.editor, server.member
    await budget.command(
        WRITE, server.manager, "settings", "set", announce_channel=server.announcements
    )
    await budget.command(  # re-plans the reminders and the weekly digest
        WRITE, server.manager, "settings", "set", digest_day="wed", timezone="Europe/Berlin"
    )
    added = await budget.command(
        WRITE, editor, "launch", "add", device="Xiaomi 12", brand="Xiaomi",
        date="12 December 2027", region="China", source_url="https://www.mydrivers.com/x",
        author="MyDrivers",
    )  # fmt: skip
    launch = launch_id_of(added)
    await budget.command(
        WRITE, editor, "launch", "confirm", launch=launch, date="2027-12-28 19:30 Asia/Shanghai",
        source_url="https://weibo.com/xiaomi/12",
    )  # fmt: skip
    assert len(server.guild.scheduled_events) == 1, "the confirm was to create a Discord event"
    notice = await emu.wait_for_message(channel=server.announcements)
    assert notice.content.startswith("**Xiaomi 12**: 12 Dec 2027"), "and to plan a change notice"
    await budget.command(WRITE, editor, "launch", "edit", launch=launch, note="Livestream")
    rumour = await budget.command(
        WRITE, member, "rumor", "add", launch=launch, about="date", source_kind="leaker",
        date="2027-12-29 19:30 Asia/Shanghai", author="Digital Chat Station",
    )  # fmt: skip
    claim = (rumour.content or "").split("#")[1].split()[0]
    await budget.command(WRITE, editor, "rumor", "adopt", launch=launch, claim=claim)
    await budget.command(
        WRITE, editor, "launch", "postpone", launch=launch, date="Q1 2028",
        source_url="https://weibo.com/xiaomi/later",
    )  # fmt: skip
    assert server.guild.scheduled_events == {}, "the postponement was to drop the event"
    await budget.command(WRITE, editor, "launch", "cancel", launch=launch)
    second = launch_id_of(
        await budget.command(WRITE, editor, "launch", "add", device="Mate 50", brand="Huawei")
    )
    await budget.command(
        WRITE, editor, "launch", "tease", launch=second, date="2027-09-01 10:00",
        timezone="Asia/Shanghai", source_url="https://weibo.com/huawei/teaser",
    )  # fmt: skip
    await budget.command(WRITE, editor, "launch", "launched", launch=second, date="2022")
    pixel = await budget.command(
        WRITE, editor, "launch", "add", device="Pixel 10", brand="Google", date="2027-08-20 10:00"
    )
    third = launch_id_of(pixel)
    poll = await budget.command(WRITE, editor, "poll", "create", launch=third, hidden=True)
    assert poll.message is not None and poll.embeds, poll.content
    poll_id = poll.embeds[0]["title"].split("#")[1]
    await budget.command(  # moves the poll's close with the launch
        WRITE, editor, "launch", "edit", launch=third, date="2027-08-21 10:00"
    )
    await budget.command(WRITE, editor, "poll", "close", poll=poll_id)
    await budget.command(WRITE, member, "subscribe", None, launch=launch)
    await budget.command(WRITE, member, "subscribe", None, brand="Xiaomi")
    await budget.command(WRITE, member, "unsubscribe", None, brand="Xiaomi")
    await budget.command(READ, member, "subscriptions", None)

    await budget.command(READ, member, "launch", "info", launch=launch)
    listing = await budget.command(READ, member, "launch", "upcoming", within="all")
    assert listing.message is not None
    await budget.command(READ, member, "launch", "upcoming", brand="xiaomi", status="cancelled")
    assert await budget.autocomplete("info", "launch", launch="xiao")
    assert await budget.autocomplete("add", "device", device="mate")
    assert await budget.autocomplete("add", "brand", brand="hua")


async def test_turning_a_page_is_one_read(
    emu: Emulator, server: Server, bot: RunningBot, tally: Tally, db_url: str
) -> None:
    await seed_launches(db_url, server.guild.id, 45)
    first = await emu.invoke_slash(server.guild, server.member, "launch", subcommand="upcoming")
    message = (await first.wait_response()).message
    assert message is not None
    budget = Budget(emu, server, bot, tally)
    for label in ("Next", "Last", "Previous", "First"):
        async with budget.alone():  # the scheduler's looks are not the click's
            click = await emu.click_button(message, server.member, button_id(message, label))
            page = await click.wait_response()
        assert page.embeds, label
        used = (tally.checkouts, len(tally.statements))
        assert used[1] > 0 and used[0] <= READ[0] and used[1] <= READ[1], (label, used)
