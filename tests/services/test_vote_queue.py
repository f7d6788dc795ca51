"""The vote queue on its own: votes that arrive together are written together, a member's
second click waits for their first, a failed write fails each of its votes (and no other), and
the writers never exceed their number."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.domain.polls import Ballot, VoteKind
from bot.services.vote_queue import Outcome, Recorded, VoteQueue


def _ballot(user: int, poll: int = 1, mask: int = 1) -> Ballot:
    return Ballot(9, poll, user, mask, VoteKind.SET, None)


class Writer:
    def __init__(self, fail_with: set[int] | None = None) -> None:
        self.batches: list[list[tuple[int, int]]] = []
        self.fail_with = fail_with or set()
        self.running = self.most = 0

    async def __call__(self, ballots: Sequence[Ballot]) -> dict[tuple[int, int], Outcome]:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.01)
            self.batches.append([(b.poll_id, b.user_id) for b in ballots])
            if self.fail_with & {b.user_id for b in ballots}:
                raise OSError("the database went away")
            return {(b.poll_id, b.user_id): Recorded(b.mask, None) for b in ballots}
        finally:
            self.running -= 1


async def test_votes_that_arrive_together_are_written_together() -> None:
    writer = Writer()
    queue = VoteQueue(writer)
    outcomes = await asyncio.gather(*(queue.cast(_ballot(user)) for user in range(100)))
    assert outcomes == [Recorded(1, None)] * 100
    assert [len(b) for b in writer.batches] == [100]


async def test_a_members_second_click_waits_for_the_first() -> None:
    writer = Writer()
    queue = VoteQueue(writer, writers=3)
    await asyncio.gather(
        queue.cast(_ballot(7, mask=1)), queue.cast(_ballot(8)), queue.cast(_ballot(7, mask=2))
    )
    firsts = [i for i, batch in enumerate(writer.batches) if (1, 7) in batch]
    assert len(firsts) == 2 and firsts[0] < firsts[1]
    assert writer.most <= 3


async def test_a_failed_write_fails_its_own_votes_only() -> None:
    writer = Writer(fail_with={1})
    queue = VoteQueue(writer)
    first = asyncio.ensure_future(queue.cast(_ballot(1)))
    await asyncio.sleep(0)
    rest = [asyncio.ensure_future(queue.cast(_ballot(user))) for user in (2, 3)]
    with pytest.raises(OSError, match="went away"):
        await first
    assert [await r for r in rest] == [Recorded(1, None)] * 2
