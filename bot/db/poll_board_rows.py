"""A server's kept poll leaderboard (``poll_boards``): bumped in the transaction of every change
that moves it, read back while it still stands, and kept after it is worked out only if no
change came meanwhile.

Whoever works the board out reads the generation before the votes, each statement seeing
everything committed before it: the votes are then at least as new as that generation, and a
change committed after the generation was read has bumped it, so ``keep`` (guarded on the
generation, in one statement) leaves the board it would have stored for the next reader to work
out again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PollBoard
from bot.domain.poll_scoring import MemberScore

BOARDS = PollBoard.__table__.c


@dataclass(frozen=True, slots=True)
class KeptBoard:
    """The server's generation, and its board (in board order) if one was kept at it."""

    generation: int
    scores: list[MemberScore] | None


async def bump(session: AsyncSession, guild_id: int, now: datetime) -> None:
    """The server's board no longer stands (call it in the transaction of the change)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(PollBoard).values(
        guild_id=guild_id, generation=1, built=None, scores=null(), updated_at=now
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["guild_id"],
            set_={
                "generation": BOARDS.generation + 1,
                "built": None,
                "scores": null(),
                "updated_at": now,
            },
        )
    )


async def kept(session: AsyncSession, guild_id: int) -> KeptBoard:
    row = (
        await session.execute(
            select(BOARDS.generation, BOARDS.built, BOARDS.scores).where(
                BOARDS.guild_id == guild_id
            )
        )
    ).first()
    if row is None:
        return KeptBoard(0, None)
    generation, built, scores = row
    if built != generation or scores is None:
        return KeptBoard(int(generation), None)
    return KeptBoard(int(generation), [_score(item) for item in scores])


async def keep(
    session: AsyncSession,
    guild_id: int,
    generation: int,
    scores: Sequence[MemberScore],
    now: datetime,
) -> None:
    """Stores the board worked out at ``generation``, unless a change has bumped it since."""
    values = [_item(score) for score in scores]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(PollBoard).values(
        guild_id=guild_id, generation=generation, built=generation, scores=values, updated_at=now
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["guild_id"],
            set_={"built": generation, "scores": values, "updated_at": now},
            where=BOARDS.generation == generation,
        )
    )


def _item(score: MemberScore) -> list[int]:
    brier = score.brier_sum
    return [score.user_id, score.predictions, score.hits, brier.numerator, brier.denominator]


def _score(item: list[int]) -> MemberScore:
    user, predictions, hits, numerator, denominator = item
    return MemberScore(int(user), int(predictions), int(hits), Fraction(numerator, denominator))
