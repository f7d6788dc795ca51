"""Resolving polls: an editor says which answer came true, with evidence. One transaction locks
the poll (so resolutions of one poll happen one after another), closes it if it was open,
writes the outcome, audits it, and plans the outcome post, whose payload says what it shows.
Scores are not stored: they are worked out from the current outcomes (``poll_standings.py``),
so a corrected outcome corrects them."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import audit_rows as audit
from bot.db import planned_post_rows, poll_board_rows
from bot.db import poll_result_rows as rows
from bot.db.engine import begin_write, reading
from bot.db.settings_rows import load_guild_settings
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, PollNotFound
from bot.domain.guild_settings import GuildDefaults
from bot.domain.permissions import require_editor
from bot.domain.poll_resolution import (
    CORRECT_SHOWN,
    OUTCOME_GRACE,
    OUTCOME_KIND,
    Change,
    OutcomeNotice,
    PollPick,
    Resolution,
    outcome_key,
    parse_outcome,
)
from bot.domain.poll_rules import poll_subject
from bot.domain.polls import PollRecord, chosen
from bot.domain.records import Actor, PostPlan
from bot.domain.text import clean_url
from bot.domain.vocabulary import PollState
from bot.services.post_planning import CHANNEL

NO_EVIDENCE = "Give the evidence: a link (http:// or https://) to what shows the answer."


class PollResultService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, defaults: GuildDefaults
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._defaults = defaults

    async def resolvable(self, guild_id: int, text: str, limit: int) -> list[PollPick]:
        async with reading(self._sessions) as session:
            return await rows.resolvable(session, guild_id, text, limit)

    async def resolve(
        self, guild_id: int, actor: Actor, poll_id: int, answer: str, evidence: str
    ) -> Resolution:
        """Sets the poll's outcome (closing it first if it is open). Resolving it again to a
        different outcome is a correction; to the same one, only the evidence may change."""
        url = clean_url(evidence, "evidence link")
        if url is None:
            raise InvalidInput(NO_EVIDENCE)
        async with self._sessions() as session, session.begin():
            await begin_write(session)
            if actor.member is not None:
                settings = await load_guild_settings(session, guild_id, self._defaults)
                require_editor(actor.member, settings.editor_role_id, "Resolving polls")
            before = await rows.locked_poll(session, guild_id, poll_id)
            if before is None:
                raise PollNotFound(f"There is no poll #{poll_id} in this server.")
            outcome = parse_outcome(before.answers, before.multiple, answer)
            change = _change(before, outcome, url)
            if change is Change.NONE:
                return Resolution(before, change, outcome, False)
            now = self._clock()
            await rows.set_outcome(
                session, guild_id, poll_id, outcome=outcome, evidence=url, by=actor.id, now=now
            )
            after = replace(
                before, state=PollState.RESOLVED, closed_at=before.closed_at or now,
                outcome=outcome, evidence_url=url, resolved_by=actor.id, resolved_at=now,
            )  # fmt: skip
            if change is not Change.EVIDENCE:  # the scores follow the outcome
                await poll_board_rows.bump(session, guild_id, now)
            closed_now = before.is_open
            if closed_now:  # its planned close has nothing left to do
                await planned_post_rows.cancel_subject(
                    session, guild_id, poll_subject(poll_id), now
                )
            self._audit(session, guild_id, actor, change.value, before, after)
            notice = None
            if change is not Change.EVIDENCE and before.channel_id is not None:
                notice = await self._plan_post(session, after, before.outcome)
        return Resolution(
            after, change, before.outcome, closed_now, notice,
            now if notice is not None else None,
        )  # fmt: skip

    async def _plan_post(
        self, session: AsyncSession, poll: PollRecord, previous: int | None
    ) -> OutcomeNotice:
        assert poll.outcome is not None and poll.evidence_url is not None
        assert poll.channel_id is not None
        voters, right, correct = await rows.hits(
            session, poll.guild_id, poll.id, poll.outcome, poll.multiple, CORRECT_SHOWN
        )
        notice = OutcomeNotice(
            poll_id=poll.id, question=poll.question,
            true_answers=chosen(poll.answers, poll.outcome),
            previous=None if previous is None else chosen(poll.answers, previous),
            evidence=poll.evidence_url, voters=voters, right=right, correct=correct,
            channel_id=poll.channel_id, reply_to=poll.message_id,
        )  # fmt: skip
        number = await rows.outcome_posts(session, poll.guild_id, poll.id) + 1
        now = self._clock()
        post = PostPlan(
            key=outcome_key(number), target=CHANNEL, kind=OUTCOME_KIND, due_at=now,
            expires_at=now + OUTCOME_GRACE, payload=notice.to_payload(),
        )  # fmt: skip
        await planned_post_rows.insert(session, poll.guild_id, poll_subject(poll.id), [post], now)
        return notice

    def _audit(
        self,
        session: AsyncSession,
        guild_id: int,
        actor: Actor,
        action: str,
        before: PollRecord,
        after: PollRecord,
    ) -> None:
        audit.record(
            session, guild_id=guild_id, actor=actor, at=self._clock(), entity="poll",
            entity_id=before.id, action=action, before=_snapshot(before),
            after=_snapshot(after),
        )  # fmt: skip


def _change(poll: PollRecord, outcome: int, evidence: str) -> Change:
    if poll.state is not PollState.RESOLVED or poll.outcome is None:
        return Change.RESOLVED
    if poll.outcome != outcome:
        return Change.CORRECTED
    return Change.NONE if poll.evidence_url == evidence else Change.EVIDENCE


def _snapshot(poll: PollRecord) -> dict[str, object]:
    """What a resolution changes (the audit log's other entries about the poll say the rest)."""
    return {
        "state": poll.state.value,
        "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
        "outcome": poll.outcome,
        "outcome_answers": list(chosen(poll.answers, poll.outcome or 0)),
        "evidence_url": poll.evidence_url,
        "resolved_by": poll.resolved_by,
        "resolved_at": poll.resolved_at.isoformat() if poll.resolved_at else None,
    }
