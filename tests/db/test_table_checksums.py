"""Normalised values: what SQLite and PostgreSQL hand back for the same stored value sums the
same, and different values never do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.db.table_checksums import TableSum, _part, normal

T = datetime(2027, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _sum(rows: list[tuple[object, ...]], json: tuple[bool, ...]) -> str:
    summed = TableSum(json)
    summed.add(rows)
    return summed.digest


def test_the_same_moment_in_any_zone_is_the_same() -> None:
    shanghai = T.astimezone(timezone(timedelta(hours=8)))
    assert normal(T) == normal(shanghai) == "t2027-03-01T12:30:15.123456+00:00"
    assert normal(T) != normal(T + timedelta(microseconds=1))
    with pytest.raises(ValueError, match="naive datetime"):
        normal(T.replace(tzinfo=None))


def test_json_compares_by_meaning_and_json_null_is_not_sql_null() -> None:
    assert normal('{"b": [1, 2.5], "a": "é"}', is_json=True) == normal(
        '{"a":"\\u00e9","b":[1,2.5]}', is_json=True
    )
    assert normal("null", is_json=True) != normal(None, is_json=True)
    assert normal("[1]", is_json=True) != normal("[1]")


def test_kinds_never_collide() -> None:
    values = [None, True, False, 1, 0, "1", "true", "N", "", 1.0, b"1"]
    assert len({normal(v) for v in values}) == len(values)


def test_a_sum_does_not_depend_on_row_order_but_on_every_value() -> None:
    rows = [(1, "a", T), (2, "B", None), (3, "_", T)]
    digest = _sum(rows, (False, False, False))
    assert _sum(list(reversed(rows)), (False, False, False)) == digest
    assert _sum([(1, "a", T), (2, "B", None)], (False, False, False)) != digest
    assert _sum([(1, "a", T), (2, "B", T), (3, "_", T)], (False, False, False)) != digest
    assert _sum([(1, "a", T), (2, "B", None), (3, "_", T), (3, "_", T)], (False,) * 3) != digest
    # values do not slide from one column into the next
    assert _sum([("ab", "c")], (False, False)) != _sum([("a", "bc")], (False, False))


def test_an_unknown_kind_of_value_is_an_error_not_a_blind_spot() -> None:
    with pytest.raises(TypeError, match="no normal form for a object value"):
        normal(object())


def test_the_fast_path_gives_the_normal_forms() -> None:
    for value in (None, True, 0, -5, 2**62, "", "x\x1f'\"", T, T.replace(microsecond=0), 1.5):
        assert _part(value, False) == normal(value)
    for text in ('{"b": 1, "a": [null]}', "null", "not json"):
        assert _part(text, True) == normal(text, is_json=True)
