"""The importer writes audit JSON exactly as the column type would (its own encoder is faster)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite
from sqlalchemy.engine import Dialect

from bot.db.catalog_rows import Codec, _processor
from bot.db.models import AuditEntry

DIALECTS = [aiosqlite.dialect(), asyncpg.dialect()]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=6),
    max_leaves=20,
)


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@given(value=st.dictionaries(st.text(), VALUES, max_size=12) | st.none())
def test_audit_json_is_what_the_column_type_writes(dialect: Dialect, value: Any) -> None:
    column = _processor(AuditEntry.__table__.c.after.type, dialect)
    assert Codec(dialect).json(value) == column(value)


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_a_value_json_cannot_hold_is_refused(dialect: Dialect) -> None:
    with pytest.raises(TypeError):
        Codec(dialect).json({"when": object()})
