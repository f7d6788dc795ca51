"""Which servers a process owns when the bot runs as shards: Discord's rule, shard 0 for direct
messages, and the share of the bot's request budget a process takes."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.shards import ShardSpan, parse_shard_range, shard_of


def test_discord_s_rule_reads_the_timestamp_part_of_the_id() -> None:
    assert shard_of(41771983423143937, 1) == 0
    assert shard_of(41771983423143937, 2) == 0  # its timestamp part, 9959216934, is even
    assert shard_of((12345 << 22) | 0x3FFFFF, 7) == 12345 % 7  # the low 22 bits do not count


@given(st.integers(1, 2**62), st.integers(1, 64), st.data())
def test_every_server_is_owned_by_exactly_one_process_of_a_split(
    guild_id: int, count: int, data: st.DataObject
) -> None:
    cuts = (
        sorted(data.draw(st.sets(st.integers(1, count - 1), max_size=count - 1)))
        if count > 1
        else []
    )
    bounds = [0, *cuts, count]
    spans = [ShardSpan(count, a, b - 1) for a, b in itertools.pairwise(bounds)]
    assert sum(span.owns(guild_id) for span in spans) == 1
    assert sum(span.owns(None) for span in spans) == 1  # a direct message: shard 0's process
    assert sum(span.share for span in spans) == pytest.approx(1)


def test_a_span_of_every_shard_covers_all_and_takes_the_whole_budget() -> None:
    assert ShardSpan.all_of(3).covers_all and ShardSpan.all_of(3).share == 1
    assert not ShardSpan(3, 1, 2).covers_all and ShardSpan(3, 1, 2).share == pytest.approx(2 / 3)
    assert ShardSpan(3, 1, 1).owns(None) is False and ShardSpan(3, 0, 0).owns(None) is True
    assert (
        str(ShardSpan(4, 1, 2)) == "shards 1-2 of 4" and str(ShardSpan(4, 3, 3)) == "shards 3 of 4"
    )


@pytest.mark.parametrize(("count", "first", "last"), [(0, 0, 0), (2, 1, 0), (2, 0, 2), (3, -1, 1)])
def test_a_span_outside_its_count_is_refused(count: int, first: int, last: int) -> None:
    with pytest.raises(ValueError):
        ShardSpan(count, first, last)


def test_shard_ranges_are_read_as_written() -> None:
    assert parse_shard_range("0-3") == (0, 3)
    assert parse_shard_range(" 5 ") == (5, 5)
    assert parse_shard_range("2 - 4") == (2, 4)
    for bad in ("", "a-b", "3-1", "1-2-3", "-1", "1,2", "٣"):
        with pytest.raises(ValueError):
            parse_shard_range(bad)
