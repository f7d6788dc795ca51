"""A table summed up the same way on SQLite and on PostgreSQL, to prove a copy whole.

Each value is normalised first (an aware UTC time to the microsecond, JSON parsed and written
canonically, a boolean as a boolean whether SQLite stored 0/1 or PostgreSQL true/false), each row
is hashed, and the hashes are added: the sum does not depend on the order the rows come in
(PostgreSQL sorts text by its collation, SQLite by bytes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

_MODULUS = 1 << 128


def normal(value: Any, *, is_json: bool = False) -> str:
    """One value as text that is the same on both backends; the first letter names its kind, so
    NULL, the number 1, the text "1" and true never collide."""
    if value is None:
        return "N"
    if isinstance(value, bool):
        return "b1" if value else "b0"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, str):
        return "j" + _canonical_json(value) if is_json else "s" + value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} where aware UTC is stored")
        return "t" + value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return "d" + value.isoformat()
    if isinstance(value, float):
        return f"f{value!r}"
    if isinstance(value, Decimal):
        return f"n{value.normalize()}"
    if isinstance(value, bytes | bytearray | memoryview):
        return "x" + bytes(value).hex()
    if isinstance(value, Enum):
        return normal(value.value)
    raise TypeError(f"no normal form for a {type(value).__name__} value: add one to normal()")


def _canonical_json(text: str) -> str:
    try:
        parsed = json.loads(text)
    except ValueError:
        return "?" + text  # not JSON: compared as it is
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _part(value: Any, is_json: bool) -> str:
    """``normal`` for the kinds of value a table is made of, tested in order of frequency."""
    kind = type(value)
    if kind is str:
        return "j" + _canonical_json(value) if is_json else "s" + value
    if kind is int:
        return f"i{value}"
    if value is None:
        return "N"
    if kind is datetime and value.tzinfo is UTC:
        stamp: str = value.isoformat(timespec="microseconds")
        return "t" + stamp
    return normal(value, is_json=is_json)


class TableSum:
    """Rows counted and summed; ``json`` says which columns hold JSON text."""

    def __init__(self, json_columns: Sequence[bool]) -> None:
        self._json = tuple(json_columns)
        self.rows = 0
        self._total = 0

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        json = self._json
        total = self._total
        for row in rows:
            # repr of a list of strings is unambiguous: no value can slide into the next
            text = repr([_part(v, j) for v, j in zip(row, json, strict=True)])
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
            total += int.from_bytes(digest.digest(), "big")
        self._total = total % _MODULUS
        self.rows += len(rows)

    @property
    def digest(self) -> str:
        return f"{self._total:032x}"
