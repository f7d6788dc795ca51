"""The bot's PostgreSQL URL as libpq's tools (pg_dump, psql) read it: no driver, no password,
asyncpg's ``ssl`` given as libpq's ``sslmode`` (asyncpg takes the same mode names), and the
parameters only the driver understands left out (libpq refuses a parameter it does not know)."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

LIBPQ_PARAMETERS = frozenset({
    "host", "hostaddr", "port", "dbname", "user", "passfile", "channel_binding",
    "connect_timeout", "client_encoding", "options", "application_name",
    "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "gssencmode", "sslmode", "sslnegotiation",
    "sslcompression", "sslcert", "sslkey", "sslpassword", "sslcertmode", "sslrootcert", "sslcrl",
    "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
    "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service",
    "target_session_attrs", "load_balance_hosts",
})  # fmt: skip
"""What libpq accepts in a connection URI's query (PostgreSQL 17's documentation)."""


def libpq_url(url: str) -> str:
    given = make_url(url)
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in given.query.items():
        name = "sslmode" if key == "ssl" else key
        if name in LIBPQ_PARAMETERS and name not in query:
            query[name] = value
    plain = URL.create(
        "postgresql", given.username, None, given.host, given.port, given.database, query
    )
    return plain.render_as_string()
