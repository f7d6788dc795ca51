"""Fixtures shared by the whole suite. Every database test runs once per backend."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import builtin_guild_defaults
from bot.db.engine import create_engine, create_session_factory
from bot.services.calendar import CalendarService
from tests.support import databases
from tests.support.clock import FakeClock

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    server = databases.postgres_server_url()
    if server is None:
        yield None
        return
    database = asyncio.run(databases.create_postgres_database(server))
    url = database.render_as_string(hide_password=False)
    asyncio.run(databases.migrate_to_head(url))
    try:
        yield url
    finally:
        asyncio.run(databases.drop_postgres_database(server, database))


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_database: str | None,
) -> Iterator[str]:
    """A migrated, empty database on each backend; PostgreSQL is skipped when not configured."""
    if request.param == "sqlite":
        yield databases.sqlite_copy(sqlite_template, tmp_path / "launchbot.db")
        return
    if postgres_database is None:
        pytest.skip(f"{databases.POSTGRES_ENV} is not set")
    try:
        yield postgres_database
    finally:
        asyncio.run(databases.truncate_all(postgres_database))


@pytest.fixture(params=BACKENDS)
def scratch_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database with no schema, of its own (a PostgreSQL one is dropped afterwards)."""
    if request.param == "sqlite":
        yield databases.sqlite_url(tmp_path / "scratch.db")
        return
    server = databases.postgres_server_url()
    if server is None:
        pytest.skip(f"{databases.POSTGRES_ENV} is not set")
    database = asyncio.run(databases.create_postgres_database(server, "scratch_"))
    try:
        yield database.render_as_string(hide_password=False)
    finally:
        asyncio.run(databases.drop_postgres_database(server, database))


@pytest.fixture
def other_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A new database with no schema yet, where ``db copy`` tests copy ``db_url`` to: on the
    other backend (a SQLite file in a folder that does not exist yet, or a PostgreSQL database
    of its own, dropped afterwards), or a SQLite file when PostgreSQL is not configured."""
    server = databases.postgres_server_url()
    if not db_url.startswith("sqlite") or server is None:
        yield databases.sqlite_url(tmp_path / "copied" / "launchbot.db")
        return
    database = asyncio.run(databases.create_postgres_database(server, "copy_"))
    try:
        yield database.render_as_string(hide_password=False)
    finally:
        asyncio.run(databases.drop_postgres_database(server, database))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def calendar(engine: AsyncEngine, clock: FakeClock) -> CalendarService:
    return CalendarService(create_session_factory(engine), clock, builtin_guild_defaults())


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for running `launchbot` as a subprocess against the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHBOT_")}
    env.pop("DISCORD_TOKEN", None)
    env["LAUNCHBOT_DATABASE_URL"] = db_url
    env["LAUNCHBOT_CONFIG"] = str(Path(__file__).resolve().parent.parent / "config.toml")
    return env
