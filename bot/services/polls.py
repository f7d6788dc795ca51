"""Polls: created by editors about a launch, voted on by every member, closed when due (or early
by an editor). Every call takes the guild first and touches only that guild's rows; each change
is one transaction, audited like the calendar's.

What never changes about a poll (its answers and options) is kept in memory once read, so a
vote costs no read of the poll; whether it is still open is checked where the vote is written.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import audit_rows as audit
from bot.db import launch_queries as q
from bot.db import planned_post_rows, poll_rows
from bot.db.engine import begin_write, each_alone, reading
from bot.db.launch_rows import launch_record
from bot.db.poll_news_rows import standing_claims
from bot.db.settings_rows import load_guild_settings
from bot.domain.clock import Clock
from bot.domain.errors import LaunchNotFound, PollClosed, PollNotFound
from bot.domain.guild_settings import GuildDefaults
from bot.domain.native_polls import check_native_options, native_hours
from bot.domain.permissions import require_editor
from bot.domain.poll_rules import (
    check_options,
    clean_question,
    followed_close,
    given_close,
    launch_close,
    parse_answers,
    poll_subject,
    suggested_question,
)
from bot.domain.polls import (
    Ballot,
    CloseResult,
    NewPoll,
    PollCreated,
    PollFacts,
    PollRecord,
    PollView,
    Vote,
    VoteKind,
    ballot,
    tally_of,
)
from bot.domain.records import Actor
from bot.domain.vocabulary import PollState
from bot.services.poll_planning import close_post, follow_launch
from bot.services.poll_views import poll_view, read_view
from bot.services.vote_queue import Outcome, Recorded, Refused, VoteQueue

FACTS_KEPT = 4096
WRITERS = 3
"""Vote writes under way at once on PostgreSQL (SQLite writes one at a time)."""
SLACK = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class CloseMoved:
    """A close that fell due for a launch that has moved since: planned again for ``to``."""

    to: datetime


class PollService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, defaults: GuildDefaults
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._defaults = defaults
        self._facts: OrderedDict[tuple[int, int], PollFacts] = OrderedDict()
        sqlite = sessions.kw["bind"].dialect.name == "sqlite"
        self._votes = VoteQueue(self._write_votes, writers=1 if sqlite else WRITERS)

    # creating ---------------------------------------------------------------------------------

    async def create(self, guild_id: int, actor: Actor, new: NewPoll) -> PollCreated:
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            settings = await load_guild_settings(session, guild_id, self._defaults)
            require_editor(actor.member, settings.editor_role_id, "Creating polls")
            found = await q.launch_row(session, guild_id, new.launch_id, lock=True)
            if found is None:
                raise LaunchNotFound(f"There is no launch #{new.launch_id} in this server.")
            launch = launch_record(*found)
            found[0].has_polls = True  # its changes may move the poll's close from now on
            now = self._clock()
            question = (
                clean_question(new.question)
                if new.question is not None
                else suggested_question(launch.device, launch.partner)
            )
            answers = parse_answers(new.answers)
            if new.native:
                check_native_options(confidence=new.confidence, hidden=new.hidden)
            check_options(multiple=new.multiple, confidence=new.confidence)
            if new.closes is not None:
                closes_at = given_close(new.closes, settings.timezone, now)
            else:
                closes_at = launch_close(launch.title, launch.window, launch.status, now)
            if new.native:
                native_hours(closes_at, now)  # Discord's limit: 32 days
            values = {
                "guild_id": guild_id, "launch_id": launch.id, "question": question,
                "answers": list(answers), "multiple": new.multiple, "confidence": new.confidence,
                "hidden": new.hidden, "closes_at": closes_at,
                "closes_with_launch": new.closes is None, "state": PollState.OPEN,
                "created_by": actor.id, "created_at": now, "native": new.native,
            }  # fmt: skip
            poll_id = await poll_rows.insert_poll(session, values)
            subject = poll_subject(poll_id)
            await planned_post_rows.insert(session, guild_id, subject, [close_post(closes_at)], now)
            record = PollRecord(
                id=poll_id, guild_id=guild_id, launch_id=launch.id, launch_title=launch.title,
                question=question, answers=answers, multiple=new.multiple,
                confidence=new.confidence, hidden=new.hidden, closes_at=closes_at,
                closes_with_launch=new.closes is None, state=PollState.OPEN, channel_id=None,
                message_id=None, created_by=actor.id, created_at=now, closed_at=None,
                native=new.native,
            )  # fmt: skip
            self._audit(session, guild_id, actor, poll_id, "create", None, record)
            news = await standing_claims(session, guild_id, launch.id)
        self._remember(record.facts)
        return PollCreated(PollView(record, tally_of(len(answers), []), news), closes_at)

    async def set_message(
        self, guild_id: int, poll_id: int, channel_id: int, message_id: int
    ) -> None:
        """Where the poll was posted, so its tally and its close can edit it."""
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            await poll_rows.set_message(session, guild_id, poll_id, channel_id, message_id)

    # voting -------------------------------------------------------------------------------------

    async def facts(self, guild_id: int, poll_id: int) -> PollFacts:
        """The poll's answers and options; ``PollNotFound`` for a poll of no such id in this
        server (another server's included)."""
        key = (guild_id, poll_id)
        known = self._facts.get(key)
        if known is not None:
            self._facts.move_to_end(key)
            return known
        async with reading(self._sessions) as session:
            found = await poll_rows.facts(session, guild_id, poll_id)
        if found is None:
            raise PollNotFound(f"There is no poll #{poll_id} in this server.")
        self._remember(found)
        return found

    def _remember(self, facts: PollFacts) -> None:
        self._facts[(facts.guild_id, facts.id)] = facts
        if len(self._facts) > FACTS_KEPT:
            self._facts.popitem(last=False)

    async def vote(
        self, guild_id: int, poll_id: int, user_id: int, answer: int, confidence: int | None = None
    ) -> Vote:
        """Records a click on ``answer``: the member's choice on a single-answer poll, or that
        answer added to (or taken out of) their choices on a poll with several."""
        facts = await self.facts(guild_id, poll_id)
        outcome = await self._votes.cast(ballot(facts, user_id, answer, confidence))
        if isinstance(outcome, Refused):
            raise PollClosed(f"Poll #{poll_id} is closed: votes are no longer taken.")
        return Vote(facts, outcome.choices, outcome.confidence)

    async def _write_votes(self, ballots: Sequence[Ballot]) -> dict[tuple[int, int], Outcome]:
        """Every vote waiting, in one statement per kind of vote, each written only if its poll
        is open as the statement runs."""
        stored: dict[tuple[int, int], tuple[int, int | None]] = {}
        async with self._sessions() as session:
            await each_alone(session, member_waits=True)
            now = self._clock()
            for kind in VoteKind:
                of_kind = [b for b in ballots if b.kind is kind]
                stored |= await poll_rows.record_votes(session, of_kind, now)
        return {
            (b.poll_id, b.user_id): (
                Recorded(*stored[(b.poll_id, b.user_id)])
                if (b.poll_id, b.user_id) in stored
                else Refused()
            )
            for b in ballots
        }

    async def my_vote(self, guild_id: int, poll_id: int, user_id: int) -> Vote | None:
        facts = await self.facts(guild_id, poll_id)
        async with reading(self._sessions) as session:
            found = await poll_rows.vote_of(session, guild_id, poll_id, user_id)
        if found is None or not found[0]:
            return None
        return Vote(facts, *found)

    # reading ------------------------------------------------------------------------------------

    async def view(self, guild_id: int, poll_id: int) -> PollView:
        """The poll with its tally as they are now (its message shows this)."""
        async with reading(self._sessions) as session:
            return await _view(session, guild_id, poll_id)

    async def is_open(self, guild_id: int, poll_id: int) -> bool:
        async with reading(self._sessions) as session:
            return await poll_rows.is_open(session, guild_id, poll_id)

    async def of_launch(self, guild_id: int, launch_id: int) -> list[PollRecord]:
        async with reading(self._sessions) as session:
            return await poll_rows.polls_of_launch(session, guild_id, launch_id)

    async def open_polls(self, guild_id: int, text: str, limit: int) -> list[PollRecord]:
        async with reading(self._sessions) as session:
            return await poll_rows.open_polls(session, guild_id, text, limit)

    async def resolved_polls(self, guild_id: int) -> list[PollRecord]:
        async with reading(self._sessions) as session:
            return await poll_rows.resolved_polls(session, guild_id)

    # closing ------------------------------------------------------------------------------------

    async def close(self, guild_id: int, actor: Actor, poll_id: int) -> CloseResult:
        """Closes an open poll (an editor's early close); one closed already stays as it is."""
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            if actor.member is not None:
                settings = await load_guild_settings(session, guild_id, self._defaults)
                require_editor(actor.member, settings.editor_role_id, "Closing polls")
            return await self._close(session, guild_id, actor, poll_id)

    async def close_when_due(self, guild_id: int, poll_id: int) -> CloseResult | CloseMoved:
        """The scheduled close. A poll that closes with its launch checks the launch as it is
        now: moved later by a path that does not re-plan polls (a catalog import), the close is
        planned again instead."""
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            record = await _poll(session, guild_id, poll_id)
            now = self._clock()
            wanted = record.closes_at
            if record.is_open and record.closes_with_launch and record.launch_id is not None:
                found = await q.launch_row(session, guild_id, record.launch_id, lock=True)
                if found is not None:
                    launch = launch_record(*found)
                    wanted = followed_close(launch.window, launch.status, now) or wanted
                    await follow_launch(session, guild_id, launch.id, wanted, now)
                    if record.native:  # Discord ends it at its time whatever the launch does
                        wanted = min(wanted, record.closes_at)
            if record.is_open and wanted > now + SLACK:
                return CloseMoved(wanted)
            return await self._close(session, guild_id, Actor(None, "scheduled close"), poll_id)

    async def _close(
        self, session: AsyncSession, guild_id: int, actor: Actor, poll_id: int
    ) -> CloseResult:
        record = await _poll(session, guild_id, poll_id)
        now = self._clock()
        closed_now = record.is_open and await poll_rows.close(session, guild_id, poll_id, now)
        if closed_now:
            await planned_post_rows.cancel_subject(session, guild_id, poll_subject(poll_id), now)
            after = replace(record, state=PollState.CLOSED, closed_at=now)
            self._audit(session, guild_id, actor, poll_id, "close", record, after)
            record = after
        return CloseResult(await poll_view(session, record), closed_now)

    def _audit(
        self,
        session: AsyncSession,
        guild_id: int,
        actor: Actor,
        poll_id: int,
        action: str,
        before: PollRecord | None,
        after: PollRecord | None,
    ) -> None:
        audit.record(
            session, guild_id=guild_id, actor=actor, at=self._clock(), entity="poll",
            entity_id=poll_id, action=action, before=_snapshot(before), after=_snapshot(after),
        )  # fmt: skip


async def _poll(session: AsyncSession, guild_id: int, poll_id: int) -> PollRecord:
    record = await poll_rows.poll(session, guild_id, poll_id)
    if record is None:
        raise PollNotFound(f"There is no poll #{poll_id} in this server.")
    return record


async def _view(session: AsyncSession, guild_id: int, poll_id: int) -> PollView:
    return await read_view(session, guild_id, poll_id)


def _snapshot(poll: PollRecord | None) -> dict[str, object] | None:
    if poll is None:
        return None
    return {
        "launch_id": poll.launch_id, "question": poll.question, "answers": list(poll.answers),
        "multiple": poll.multiple, "confidence": poll.confidence, "hidden": poll.hidden,
        "closes_at": poll.closes_at.isoformat(), "closes_with_launch": poll.closes_with_launch,
        "state": poll.state.value, "native": poll.native,
        "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
    }  # fmt: skip
