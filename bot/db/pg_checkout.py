"""PostgreSQL's pooled connections checked before each use, with no round trip for a connection
that answered a moment ago.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout: on asyncpg a BEGIN, an empty statement and
a ROLLBACK, three round trips before the transaction's own. Under a burst of votes each trip
waits for the busy event loop, and the ping took longer than the vote's statement
(docs/benchmarks.md "Poll votes"). Here, at checkout:

- a connection whose socket the server has closed (a restart, ``pg_terminate_backend``, an idle
  timeout) is replaced without a word to the server: asyncpg saw the socket close;
- a connection back in the pool for ``PING_AFTER`` seconds or more is pinged as before, and
  replaced if the ping fails (a server that went away without closing the socket);
- any other was used a moment ago and goes out as it is.

A connection the server ends in the instant before it is used (asyncpg has read the server's
farewell but not yet the socket's end) fails that one statement; SQLAlchemy takes the error as a
disconnect (``connection_invalidated``) and drops the pool's connections, so the next checkout
connects anew. ``pool_pre_ping`` has the same instant, between its ping and the statement.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

PING_AFTER = 2.0
"""Seconds back in the pool after which a connection is pinged before it is used again."""
_RETURNED = "launchbot_returned_at"


def check_before_use(engine: AsyncEngine) -> None:
    """Instead of ``pool_pre_ping``, on an engine of asyncpg connections."""
    event.listen(engine.sync_engine, "connect", _stamp)
    event.listen(engine.sync_engine, "checkin", _stamp)
    event.listen(engine.sync_engine, "checkout", _check)


def _stamp(_dbapi_connection: Any, record: Any) -> None:
    record.info[_RETURNED] = time.monotonic()


def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Raising ``DisconnectionError`` makes the pool connect anew (up to three times); a server
    that refuses the new connection raises its own error to the caller."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed the connection")
    returned = record.info.get(_RETURNED)
    if returned is not None and time.monotonic() - returned < PING_AFTER:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError(f"the connection did not answer a ping: {exc}") from exc
