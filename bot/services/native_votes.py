"""Native polls' votes, read back from Discord when a poll ends, stored as the poll's votes;
and a native poll Discord would not take, taken back."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import audit_rows as audit
from bot.db import native_vote_rows, planned_post_rows, poll_board_rows, poll_rows
from bot.db.engine import begin_write
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, PollNotFound
from bot.domain.poll_rules import poll_subject
from bot.domain.polls import PollRecord, PollView
from bot.domain.records import Actor

READ_BACK = Actor(None, "native poll results")


class NativeVoteService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def store(self, guild_id: int, poll_id: int, votes: Mapping[int, int]) -> PollView:
        """Makes the native poll's stored votes exactly ``votes`` (member -> choices bitmask)
        in one transaction, so storing the same votes again changes nothing; the poll with its
        tally as stored."""
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            poll = await _native(session, guild_id, poll_id)
            now = self._clock()
            await native_vote_rows.store_votes(session, guild_id, poll_id, votes, now)
            # a resolution may come before the votes are read back, or commit while they are
            # stored (the poll is not locked): the board is worked out again either way
            await poll_board_rows.bump(session, guild_id, now)
            audit.record(
                session, guild_id=guild_id, actor=READ_BACK, at=now, entity="poll",
                entity_id=poll_id, action="votes", before=None, after={"voters": len(votes)},
            )  # fmt: skip
            tally = await poll_rows.tally(session, guild_id, poll_id, len(poll.answers))
        return PollView(poll, tally)

    async def discard(self, guild_id: int, actor: Actor, poll_id: int, reason: str) -> None:
        """A native poll whose message could not be posted: it is removed with its close, so
        no half-made poll is left behind."""
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            poll = await _native(session, guild_id, poll_id)
            now = self._clock()
            await planned_post_rows.cancel_subject(session, guild_id, poll_subject(poll_id), now)
            await native_vote_rows.delete_poll(session, guild_id, poll_id)
            await poll_board_rows.bump(session, guild_id, now)
            audit.record(
                session, guild_id=guild_id, actor=actor, at=now, entity="poll", entity_id=poll_id,
                action="discard", before={"question": poll.question}, after={"reason": reason},
            )  # fmt: skip


async def _native(session: AsyncSession, guild_id: int, poll_id: int) -> PollRecord:
    poll = await poll_rows.poll(session, guild_id, poll_id)
    if poll is None:
        raise PollNotFound(f"There is no poll #{poll_id} in this server.")
    if not poll.native:
        raise InvalidInput(f"Poll #{poll_id} is not a Discord native poll.")
    return poll
