"""Engine and session factory. Created by whoever needs them, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.db import held_look
from bot.db.loop_read import attach
from bot.db.pg_checkout import check_before_use
from bot.db.sqlite_file import SqliteFile, sqlite_path
from bot.db.write_gate import WriteGate, release_held, watch_sessions

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_CONNECTIONS = 15
"""SQLite connections a process may have at once, all kept once opened. SQLAlchemy's default
(5 kept, up to 10 more closed as they come back) made a burst of commands open and close 10
connections: each a thread, a file opened and five PRAGMAs, about 2.5 ms of CPU, 25 ms per
burst of 50. Kept, they cost no more memory (the threads' arenas stayed either way)."""
SQLITE_CACHE_KIB = 512
"""Page cache per pooled connection (SQLite's default is 2 MiB each): the operating system keeps
the file's pages cached anyway, and at 2 MiB the 15 pooled connections could hold 30 MB."""
WRITE = "launchbot_write"
"""Execution option of a transaction that reads in order to write (see ``begin_write``)."""
READ = "launchbot_read"
"""Execution option of a session that only reads (see ``begin_read``)."""
ALONE = "launchbot_alone"
"""Execution option of a session whose statements are each a transaction (see ``each_alone``)."""
GATE = "launchbot_write_gate"
"""Execution option of a SQLite engine: its ``WriteGate``, which its writers pass in turn."""
PG_AUTOCOMMIT: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
"""PostgreSQL commits each statement as it ends: no BEGIN and COMMIT (or ROLLBACK) round trips."""


def read_alone_options(dialect_name: str) -> dict[str, Any]:
    """A connection's options for statements that only read, each in no transaction and each
    seeing the latest commit: SQLite begins none (see ``begin_read``), PostgreSQL autocommits."""
    return {READ: True} if dialect_name == "sqlite" else PG_AUTOCOMMIT


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # The busy timeout first: turning a new file to WAL waits for a lock another process holds.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()
    # The driver would begin a transaction only at the first write, after the reads a change
    # depends on; _sqlite_begin begins it where SQLAlchemy does instead.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    """A write transaction takes SQLite's write lock when it begins (SQLite's FOR UPDATE), so
    what it reads stays true until it commits; other transactions read without any lock."""
    options = connection.get_execution_options()
    if options.get(READ, False) or options.get(ALONE, False):
        return  # each statement sees the latest commit (and commits); no transaction to begin
    connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE, False) else "BEGIN")


async def begin_read(session: AsyncSession) -> None:
    """Marks a session that only reads: on SQLite it then begins no transaction, which saves a
    round trip to the driver's thread per statement it would take."""
    await session.connection(execution_options={READ: True})


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for reads only (see ``begin_read``)."""
    async with sessions() as session:
        await begin_read(session)
        yield session


async def each_alone(session: AsyncSession, *, member_waits: bool = False) -> None:
    """Marks a session whose every statement is a transaction of its own, committed as it ends
    (one statement that checks and writes, such as a batch of votes): on SQLite no transaction
    is begun, which saves the round trips to the driver's thread for BEGIN and COMMIT; on
    PostgreSQL the connection is in autocommit. Nothing is left to commit. A write a member
    waits on goes before background writes on SQLite (``bot/db/write_gate.py``)."""
    if session.get_bind().dialect.name == "sqlite":
        await _in_turn(session, {ALONE: True}, member_waits)
    else:
        await session.connection(execution_options=PG_AUTOCOMMIT)


async def begin_write(session: AsyncSession) -> None:
    """Starts the session's transaction as a write transaction: call it before the first read.
    On PostgreSQL the rows a write depends on are locked with FOR UPDATE instead. On SQLite
    the process's writers take the write lock in turn (``bot/db/write_gate.py``)."""
    await _in_turn(session, {WRITE: True}, member_waits=False)


async def _in_turn(session: AsyncSession, options: dict[str, Any], member_waits: bool) -> None:
    gate = session.get_bind().get_execution_options().get(GATE)
    if isinstance(gate, WriteGate):
        await gate.hold_for(session, urgent=member_waits)
    try:
        await session.connection(execution_options=options)
    except BaseException:
        release_held(session)
        raise


PG_CONNECT_ARGS: dict[str, Any] = {"server_settings": {"plan_cache_mode": "force_custom_plan"}}
"""Statements are prepared once and reused; a plan generic over guild_id would suit one server's
size and not another's (a scan that is cheap for a big server reads every row for a small one).
Planning these takes about 0.1 ms."""


def create_engine(
    url: str, *, echo: bool = False, create: bool = True, pool_size: int = 10
) -> AsyncEngine:
    """``create``: a SQLite file (and its folder) that does not exist yet may be created; without
    it the engine only opens an existing file (``Runtime`` creates only for ``db upgrade``).
    ``pool_size``: PostgreSQL connections kept, and as many more opened when all are busy."""
    path = sqlite_path(url)
    if path is not None and create:
        path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("postgresql"):
        # Checked before use by pg_checkout, not by pool_pre_ping's round trips on every
        # checkout. Last in, first out: a burst keeps reusing the connections that answered
        # last, and those left idle are pinged when next taken.
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_use_lifo=True)
        kwargs["connect_args"] = PG_CONNECT_ARGS
    else:
        # Sessions end their own transactions; the pool's extra rollback on every return would
        # be one more round trip to aiosqlite's thread.
        kwargs.update(pool_reset_on_return=None)
        if path is not None:  # a file; an in-memory database has one connection, kept anyway
            kwargs.update(pool_size=SQLITE_CONNECTIONS, max_overflow=0)
    engine = create_async_engine(url, **kwargs)
    if path is not None:
        _guard(engine, SqliteFile(path, create=create))
    if engine.dialect.name == "postgresql":
        held_look.attach(engine)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        engine.update_execution_options(**{GATE: WriteGate()})
        watch_sessions()
    else:
        check_before_use(engine)
    return engine


def _guard(engine: AsyncEngine, file: SqliteFile) -> None:
    attach(engine, file)
    event.listen(engine.sync_engine, "do_connect", file.before_connect)
    event.listen(engine.sync_engine, "connect", file.connected)
    event.listen(engine.sync_engine, "begin", lambda _connection: file.verify())


async def ping(engine: AsyncEngine) -> None:
    """One trivial statement on a connection from the pool (SQLite's file checked first, as
    before any transaction; PostgreSQL's connection checked as in ``pg_checkout``): raises if it
    cannot. A connection the server ended just before is replaced and the statement tried once
    more, so the answer is the database's, not that one connection's."""
    for last in (False, True):
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return
        except DBAPIError as exc:
            if last or not exc.connection_invalidated:
                raise


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
