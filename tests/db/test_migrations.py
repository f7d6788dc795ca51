"""The migration chain builds exactly the schema the models describe, on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from bot.config import builtin_guild_defaults
from bot.db import migrate, poll_rows
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Base
from bot.domain.inputs import NewClaim, NewLaunch
from bot.domain.records import Actor
from bot.domain.vocabulary import ClaimSubject, PollState, SourceKind
from bot.services.calendar import CalendarService
from tests.support import databases


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield databases.sqlite_url(tmp_path / "empty.db")
        return
    server = databases.postgres_server_url()
    if server is None:
        pytest.skip(f"{databases.POSTGRES_ENV} is not set")
    database = asyncio.run(databases.create_postgres_database(server, "mig_"))
    try:
        yield database.render_as_string(hide_password=False)
    finally:
        asyncio.run(databases.drop_postgres_database(server, database))


def _diff(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_models_and_migrations_agree(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_downgrade_to_base_and_back_up(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine)
        await migrate.downgrade(engine, "base")
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) <= {"alembic_version"}
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            assert {"launches", "claims", "audit_log"} <= await conn.run_sync(_tables)
    finally:
        await engine.dispose()


def test_migration_chain_is_linear() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert sum(1 for r in revisions if r.down_revision is None) == 1
    assert all(not isinstance(r.down_revision, tuple) for r in revisions)


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(databases.sqlite_url(tmp_path / "pragmas.db"))
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 5000
    finally:
        await engine.dispose()


async def test_rebuilding_tables_keeps_the_rows_that_refer_to_them(empty_db_url: str) -> None:
    """SQLite batch mode copies and drops tables; that must not cascade into claims."""
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine)
        calendar = CalendarService(
            create_session_factory(engine), lambda: datetime.now(UTC), builtin_guild_defaults()
        )
        added = await calendar.add(1, Actor.cli(), NewLaunch(device="Xiaomi 12", brand="Xiaomi"))
        launch = added.after
        assert launch is not None
        claim = NewClaim(subject=ClaimSubject.DATE, source_kind=SourceKind.MEDIA, date="2022")
        await calendar.add_claim(1, Actor.cli(), launch.id, claim)
        await migrate.downgrade(engine, "0002")
        await migrate.upgrade(engine)
        history = await calendar.history(1, launch.id)
        assert len(history.claims) == 1
        async with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_launches_with_seeded_polls_are_marked_as_having_polls(empty_db_url: str) -> None:
    """Before 0010 a catalog's seeded questions left ``launches.has_polls`` false, and the card
    now reads a launch's polls only when it is true."""
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine, "0009")
        sessions = create_session_factory(engine)
        calendar = CalendarService(sessions, lambda: datetime.now(UTC), builtin_guild_defaults())
        ids = []
        for device in ("Xiaomi 12S Ultra", "Xiaomi 13"):
            added = await calendar.add(1, Actor.cli(), NewLaunch(device=device, brand="Xiaomi"))
            assert added.after is not None
            ids.append(added.after.id)
        with_poll, without = ids
        now = datetime(2026, 1, 1, tzinfo=UTC)
        async with sessions() as session, session.begin():
            await poll_rows.insert_poll(
                session,
                {
                    "guild_id": 1, "launch_id": with_poll, "question": "Leica cameras?",
                    "answers": ["Yes", "No"], "multiple": False, "confidence": False,
                    "hidden": False, "closes_at": now, "closes_with_launch": False,
                    "state": PollState.RESOLVED, "created_by": None, "created_at": now,
                    "closed_at": now, "outcome": 1, "evidence_url": None, "resolved_by": None,
                    "resolved_at": now, "native": False,
                },
            )  # fmt: skip
            await session.execute(text("UPDATE launches SET has_polls = false"))
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            marked = dict((await conn.execute(text("SELECT id, has_polls FROM launches"))).all())
        assert marked == {with_poll: True, without: False}
        card = await calendar.card(1, with_poll)
        assert [p.question for p in card.polls] == ["Leica cameras?"]
    finally:
        await engine.dispose()
