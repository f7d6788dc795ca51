"""Settings: defaults from config.toml, each overridable by one environment variable.

A bad value raises ``ConfigError`` whose message is one line naming the key, the value and the
expected form. The token is only ever read from ``DISCORD_TOKEN`` and is never shown.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain.errors import DomainError
from bot.domain.guild_settings import WEEKDAYS, GuildDefaults, clock_time, iana_zone, weekday
from bot.domain.offsets import EXAMPLES as OFFSET_EXAMPLES
from bot.domain.offsets import parse_offsets
from bot.domain.shards import MAX_SHARDS, ShardSpan, parse_shard_range

CONFIG_ENV = "LAUNCHBOT_CONFIG"
TOKEN_ENV = "DISCORD_TOKEN"
DEFAULT_CONFIG_PATH = "config.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    def __init__(self, key: str, value: object, expected: str) -> None:
        shown = _shorten(str(value))
        super().__init__(f"invalid setting {key}={shown!r}: expected {expected}")
        self.key = key


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Secret:
    """Holds the token; its str/repr never reveal it."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


def _database_url(raw: str) -> str:
    url = raw.strip()
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            url = driver + url[len(plain) :]
    if url.startswith("sqlite+aiosqlite:///") or url.startswith("postgresql+asyncpg://"):
        return url
    raise ValueError("sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/db")


def database_url(raw: str) -> str:
    """A database URL as ``LAUNCHBOT_DATABASE_URL`` takes it, with the async driver named;
    ``ValueError`` says the expected forms."""
    return _database_url(raw)


def _http_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) < 10:
        raise ValueError("an http:// or https:// URL, e.g. https://discord.com/api/v10")
    return url


def _ws_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    if not url.startswith(("ws://", "wss://")) or len(url) < 8:
        raise ValueError("a ws:// or wss:// URL, e.g. wss://gateway.discord.gg")
    return url


def _snowflake_or_zero(raw: str) -> int:
    text = raw.strip()
    if text in ("", "0"):
        return 0
    if not text.isdigit() or not 15 <= len(text) <= 20:
        raise ValueError("a Discord server id (15-20 digits), or 0 for none")
    return int(text)


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError("one of " + ", ".join(LOG_LEVELS))
    return level


def _log_format(raw: str) -> str:
    fmt = raw.strip().lower()
    if fmt not in ("text", "json"):
        raise ValueError("text or json")
    return fmt


def _timezone(raw: str) -> str:
    try:
        return iana_zone(raw)
    except DomainError:
        raise ValueError("an IANA zone name such as UTC, Europe/Berlin or Asia/Shanghai") from None


def _offsets(raw: str) -> str:
    try:
        parse_offsets(raw)
    except DomainError:
        raise ValueError(f"reminder offsets, {OFFSET_EXAMPLES}") from None
    return raw.strip()


def _digest_day(raw: str) -> str:
    try:
        day = weekday(raw)
    except DomainError:
        raise ValueError("mon, tue, wed, thu, fri, sat, sun or off") from None
    return "off" if day is None else WEEKDAYS[day]


def _digest_time(raw: str) -> str:
    try:
        return clock_time(raw)
    except DomainError:
        raise ValueError("a 24-hour time HH:MM, e.g. 09:00") from None


def _sweep_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.05 <= value <= 60:
        raise ValueError("seconds between 0.05 and 60, e.g. 5")
    return value


def _pool_size(raw: str) -> int:
    value = int(raw) if raw.strip().isdigit() else 0
    if not 1 <= value <= 100:
        raise ValueError("a whole number of connections between 1 and 100, e.g. 10")
    return value


def _lease_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 1 <= value <= 3600:
        raise ValueError("seconds between 1 and 3600, e.g. 120")
    return value


def _tally_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (value == 0 or 0.5 <= value <= 60):
        raise ValueError("seconds between 0.5 and 60, e.g. 2 (0: edit on every vote)")
    return value


def _listen(raw: str) -> tuple[str, int] | None:
    """``off`` (or empty), or ``host:port``; ``[::1]:9108`` for an IPv6 address, port 0 for any
    free port (the log says which)."""
    text = raw.strip()
    if text.lower() in ("", "off"):
        return None
    host, _, port = text.rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    host = host[1:-1] if bracketed else host
    plain = bool(host) and not any(c.isspace() or c in "[]/" for c in host)
    plain = plain and (bracketed or ":" not in host)
    if plain and port.isdigit() and int(port) <= 65535:
        return host, int(port)
    raise ValueError("off, or host:port to serve /healthz and /metrics, e.g. 127.0.0.1:9108")


def _shard_count(raw: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_SHARDS:
        raise ValueError("a whole number of shards, e.g. 4 (0: not sharded)")
    return int(text)


def _shard_range(raw: str) -> tuple[int, int] | None:
    if raw.strip().lower() == "all":
        return None
    return parse_shard_range(raw)


def _requests_per_second(raw: str) -> float | None:
    if raw.strip().lower() == "auto":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 10_000:
        raise ValueError("requests per second between 0.1 and 10000, or auto")
    return value


@dataclass(frozen=True)
class Spec:
    """One setting: its key in config.toml, its environment variable, and its default (the only
    place the default is written; config.toml and the README show it, and a test checks them)."""

    key: str
    env: str
    default: str
    parse: Callable[[str], Any]


SPECS: tuple[Spec, ...] = (
    Spec("database.url", "LAUNCHBOT_DATABASE_URL", "sqlite+aiosqlite:///data/launchbot.db",
         _database_url),
    Spec("database.pool_size", "LAUNCHBOT_DATABASE_POOL_SIZE", "10", _pool_size),
    Spec("discord.api_base", "LAUNCHBOT_DISCORD_API_BASE", "https://discord.com/api/v10",
         _http_url),
    Spec("discord.gateway_url", "LAUNCHBOT_DISCORD_GATEWAY_URL", "wss://gateway.discord.gg",
         _ws_url),
    Spec("discord.dev_guild_id", "LAUNCHBOT_DEV_GUILD_ID", "0", _snowflake_or_zero),
    Spec("discord.requests_per_second", "LAUNCHBOT_DISCORD_REQUESTS_PER_SECOND", "auto",
         _requests_per_second),
    Spec("shards.count", "LAUNCHBOT_SHARD_COUNT", "0", _shard_count),
    Spec("shards.range", "LAUNCHBOT_SHARDS", "all", _shard_range),
    Spec("logging.level", "LAUNCHBOT_LOG_LEVEL", "INFO", _log_level),
    Spec("logging.format", "LAUNCHBOT_LOG_FORMAT", "text", _log_format),
    Spec("defaults.timezone", "LAUNCHBOT_DEFAULT_TIMEZONE", "UTC", _timezone),
    Spec("defaults.reminder_offsets", "LAUNCHBOT_DEFAULT_REMINDER_OFFSETS", "7d, 1d, 1h", _offsets),
    Spec("defaults.digest_day", "LAUNCHBOT_DEFAULT_DIGEST_DAY", "mon", _digest_day),
    Spec("defaults.digest_time", "LAUNCHBOT_DEFAULT_DIGEST_TIME", "09:00", _digest_time),
    Spec("posts.sweep_seconds", "LAUNCHBOT_POSTS_SWEEP_SECONDS", "5", _sweep_seconds),
    Spec("posts.lease_seconds", "LAUNCHBOT_POSTS_LEASE_SECONDS", "120", _lease_seconds),
    Spec("polls.tally_seconds", "LAUNCHBOT_POLLS_TALLY_SECONDS", "2", _tally_seconds),
    Spec("http.listen", "LAUNCHBOT_HTTP_LISTEN", "off", _listen),
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    database_url: str
    api_base: str
    gateway_url: str
    dev_guild_id: int
    log_level: str
    log_format: str
    default_timezone: str
    default_reminder_offsets: str
    default_digest_day: str
    default_digest_time: str
    posts_sweep_seconds: float
    posts_lease_seconds: float
    polls_tally_seconds: float
    http_listen: tuple[str, int] | None = None
    shard_count: int = 0
    """0: not sharded (one gateway connection, as a bot that has never sharded)."""
    shard_range: tuple[int, int] | None = None
    """The shards this process runs; None: all of them."""
    requests_per_second: float | None = None
    """This process's share of the bot's global request budget; None: its shards' share."""
    database_pool_size: int = 10
    """PostgreSQL: connections kept open, and as many more opened at busy moments."""
    token: Secret | None = field(default=None, repr=False)
    config_path: Path | None = None

    @property
    def backend(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    @property
    def shards(self) -> ShardSpan | None:
        """The shards this process runs, or None when the bot is not sharded."""
        if self.shard_count == 0:
            return None
        first, last = self.shard_range or (0, self.shard_count - 1)
        return ShardSpan(self.shard_count, first, last)

    def guild_defaults(self) -> GuildDefaults:
        return GuildDefaults.from_strings(
            self.default_timezone,
            self.default_reminder_offsets,
            self.default_digest_day,
            self.default_digest_time,
        )


def builtin_guild_defaults() -> GuildDefaults:
    """The server defaults of a deployment that configured none."""
    default = {spec.key: spec.default for spec in SPECS}
    return GuildDefaults.from_strings(
        default["defaults.timezone"],
        default["defaults.reminder_offsets"],
        default["defaults.digest_day"],
        default["defaults.digest_time"],
    )


def _flatten(data: Mapping[str, Any], source: Path) -> dict[str, str]:
    known = {spec.key for spec in SPECS}
    flat: dict[str, str] = {}
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(section, values, f"a [{section}] table in {source}")
        for name, value in values.items():
            key = f"{section}.{name}"
            if key in ("discord.token", "discord.bot_token"):
                raise ConfigError(key, "********", f"no token in {source}: set {TOKEN_ENV}")
            if key not in known:
                raise ConfigError(key, value, "a known key: " + ", ".join(sorted(known)))
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise ConfigError(key, value, "a string or a number")
            flat[key] = str(value)
    return flat


def _read_file(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(CONFIG_ENV, str(path), f"valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(CONFIG_ENV, str(path), f"a readable file ({exc.strerror})") from None
    return _flatten(data, path)


def log_format_hint(environ: Mapping[str, str] | None = None) -> str:
    """The log format as far as it can be told before the settings are read and checked (so that
    an error in them is written as the log would be): the environment's, else the config file's,
    else text."""
    env = os.environ if environ is None else environ
    try:
        return _log_format(env["LAUNCHBOT_LOG_FORMAT"])
    except (KeyError, ValueError):
        pass
    try:
        with Path(env.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH).open("rb") as handle:
            return _log_format(str(tomllib.load(handle)["logging"]["format"]))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError):
        return "text"


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, tuple[str, str]] | None = None,
) -> Settings:
    """``overrides``: a setting's key -> (where it was given, e.g. ``--shards``; its value), above
    the environment and the file (a command line's options)."""
    env = os.environ if environ is None else environ
    explicit = env.get(CONFIG_ENV)
    path = Path(explicit) if explicit else Path(DEFAULT_CONFIG_PATH)
    raw = {spec.key: spec.default for spec in SPECS}
    config_path: Path | None = None
    if explicit or path.exists():
        raw.update(_read_file(path))
        config_path = path
    values: dict[str, Any] = {}
    sources: dict[str, tuple[str, str]] = {}
    for spec in SPECS:
        source_key, value = spec.key, raw[spec.key]
        if spec.env in env:
            source_key, value = spec.env, env[spec.env]
        if overrides and spec.key in overrides:
            source_key, value = overrides[spec.key]
        try:
            values[spec.key] = spec.parse(value)
        except ValueError as exc:
            raise ConfigError(source_key, value, str(exc)) from None
        sources[spec.key] = (source_key, value)
    _check_shards(values, sources)
    token = env.get(TOKEN_ENV, "").strip()
    return Settings(
        database_url=values["database.url"],
        api_base=values["discord.api_base"],
        gateway_url=values["discord.gateway_url"],
        dev_guild_id=values["discord.dev_guild_id"],
        log_level=values["logging.level"],
        log_format=values["logging.format"],
        default_timezone=values["defaults.timezone"],
        default_reminder_offsets=values["defaults.reminder_offsets"],
        default_digest_day=values["defaults.digest_day"],
        default_digest_time=values["defaults.digest_time"],
        posts_sweep_seconds=values["posts.sweep_seconds"],
        posts_lease_seconds=values["posts.lease_seconds"],
        polls_tally_seconds=values["polls.tally_seconds"],
        http_listen=values["http.listen"],
        shard_count=values["shards.count"],
        shard_range=values["shards.range"],
        requests_per_second=values["discord.requests_per_second"],
        database_pool_size=values["database.pool_size"],
        token=Secret(token) if token else None,
        config_path=config_path,
    )


def _check_shards(values: Mapping[str, Any], sources: Mapping[str, tuple[str, str]]) -> None:
    """A shard range needs a shard count, and lies within it."""
    count, span = values["shards.count"], values["shards.range"]
    if span is None:
        return
    where, given = sources["shards.range"]
    if count == 0:
        raise ConfigError(
            where, given, "a shard count as well (--shard-count, LAUNCHBOT_SHARD_COUNT)"
        )
    if span[1] >= count:
        raise ConfigError(where, given, f"shards within the shard count {count}: 0-{count - 1}")
