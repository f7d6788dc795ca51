"""Settings: file defaults, environment overrides, and one clear line for a bad value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.pool import QueuePool

from bot.config import SPECS, ConfigError, load_settings, log_format_hint
from bot.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent


def _env(**values: str) -> dict[str, str]:
    return {"LAUNCHBOT_CONFIG": str(REPO / "config.toml"), **values}


def test_repository_config_gives_the_documented_defaults() -> None:
    settings = load_settings(_env())
    assert settings.database_url == "sqlite+aiosqlite:///data/launchbot.db"
    assert settings.api_base == "https://discord.com/api/v10"
    assert settings.gateway_url == "wss://gateway.discord.gg"
    assert settings.dev_guild_id == 0
    assert (settings.log_level, settings.log_format) == ("INFO", "text")
    assert settings.token is None


def test_fixed_environment_names_override_the_file() -> None:
    settings = load_settings(
        _env(
            LAUNCHBOT_DATABASE_URL="postgresql://bot@db.internal:5432/launchbot",
            LAUNCHBOT_DISCORD_API_BASE="http://127.0.0.1:8080/api/v10/",
            LAUNCHBOT_DISCORD_GATEWAY_URL="ws://127.0.0.1:8080/gateway",
            LAUNCHBOT_DEV_GUILD_ID="123456789012345678",
            LAUNCHBOT_LOG_LEVEL="debug",
            DISCORD_TOKEN="abc.def.ghi",
        )
    )
    assert settings.database_url == "postgresql+asyncpg://bot@db.internal:5432/launchbot"
    assert settings.backend == "postgresql"
    assert settings.api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:8080/gateway"
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"
    assert settings.token is not None and settings.token.reveal() == "abc.def.ghi"
    assert "abc.def.ghi" not in repr(settings) and "abc.def.ghi" not in str(settings.token)


def test_every_setting_has_an_environment_name() -> None:
    assert {s.env for s in SPECS} >= {
        "LAUNCHBOT_DATABASE_URL",
        "LAUNCHBOT_DISCORD_API_BASE",
        "LAUNCHBOT_DISCORD_GATEWAY_URL",
        "LAUNCHBOT_DEV_GUILD_ID",
        "LAUNCHBOT_LOG_LEVEL",
    }
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SPECS if s.env not in readme]
    assert missing == [], f"README's configuration reference lacks {missing}"


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        ("LAUNCHBOT_LOG_LEVEL", "LOUD", "DEBUG, INFO"),
        ("LAUNCHBOT_DATABASE_URL", "mysql://x", "sqlite+aiosqlite"),
        ("LAUNCHBOT_DISCORD_API_BASE", "discord.com", "http"),
        ("LAUNCHBOT_DISCORD_GATEWAY_URL", "https://gateway", "ws://"),
        ("LAUNCHBOT_DEV_GUILD_ID", "my-server", "server id"),
        ("LAUNCHBOT_DEFAULT_TIMEZONE", "CEST", "IANA"),
        ("LAUNCHBOT_DEFAULT_REMINDER_OFFSETS", "7x", "offsets"),
        ("LAUNCHBOT_DEFAULT_DIGEST_TIME", "25:00", "HH:MM"),
        ("LAUNCHBOT_HTTP_LISTEN", "9108", "host:port"),
        ("LAUNCHBOT_HTTP_LISTEN", "localhost:http", "host:port"),
        ("LAUNCHBOT_HTTP_LISTEN", "127.0.0.1:65536", "host:port"),
        ("LAUNCHBOT_HTTP_LISTEN", "::1:9108", "host:port"),
    ],
)
def test_bad_value_names_key_value_and_expected_form(env: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env(**{env: value}))
    message = str(caught.value)
    assert "\n" not in message
    assert env in message and repr(value) in message and expected in message


def test_bad_file_key_and_syntax_are_reported(tmp_path: Path) -> None:
    typo = tmp_path / "typo.toml"
    typo.write_text('[logging]\nlevle = "INFO"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"logging\.levle"):
        load_settings({"LAUNCHBOT_CONFIG": str(typo)})
    broken = tmp_path / "broken.toml"
    broken.write_text("[logging\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        load_settings({"LAUNCHBOT_CONFIG": str(broken)})
    secret = tmp_path / "secret.toml"
    secret.write_text('[discord]\ntoken = "abc.def"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="DISCORD_TOKEN") as caught:
        load_settings({"LAUNCHBOT_CONFIG": str(secret)})
    assert "abc.def" not in str(caught.value)
    with pytest.raises(ConfigError, match="LAUNCHBOT_CONFIG"):
        load_settings({"LAUNCHBOT_CONFIG": str(tmp_path / "missing.toml")})


def test_each_default_is_declared_once_and_documented_as_it_is() -> None:
    """The defaults live in SPECS; config.toml (commented out) and the README only show them."""
    config = (REPO / "config.toml").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = ""
    shown: dict[str, str] = {}
    for line in config.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif match := re.fullmatch(r"# (\w+) = (.*)", line):
            shown[f"{section}.{match[1]}"] = match[2].strip('"')
    assert shown == {spec.key: spec.default for spec in SPECS}
    for spec in SPECS:
        row = next(r for r in readme.splitlines() if r.startswith(f"| `{spec.env}`"))
        assert f"`{spec.default}`" in row, f"README shows another default for {spec.env}: {row}"


@pytest.mark.parametrize(
    ("raw", "listen"),
    [
        ("off", None),
        ("", None),
        ("OFF", None),
        ("127.0.0.1:9108", ("127.0.0.1", 9108)),
        (" 0.0.0.0:0 ", ("0.0.0.0", 0)),
        ("[::1]:9108", ("::1", 9108)),
        ("metrics.internal:9108", ("metrics.internal", 9108)),
    ],
)
def test_http_listen_is_off_or_a_host_and_port(raw: str, listen: tuple[str, int] | None) -> None:
    assert load_settings(_env(LAUNCHBOT_HTTP_LISTEN=raw)).http_listen == listen
    assert load_settings(_env()).http_listen is None  # off unless asked for


def test_the_log_format_is_known_before_the_settings_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[logging]\nformat = "json"\nlevel = "LOUD"\n', encoding="utf-8")
    assert log_format_hint({"LAUNCHBOT_CONFIG": str(config)}) == "json"
    assert (
        log_format_hint({"LAUNCHBOT_CONFIG": str(config), "LAUNCHBOT_LOG_FORMAT": "text"}) == "text"
    )
    assert log_format_hint({"LAUNCHBOT_CONFIG": str(tmp_path / "none.toml")}) == "text"
    config.write_text("[logging\n", encoding="utf-8")
    assert (
        log_format_hint({"LAUNCHBOT_CONFIG": str(config), "LAUNCHBOT_LOG_FORMAT": "JSON"}) == "json"
    )
    assert log_format_hint({"LAUNCHBOT_CONFIG": str(config)}) == "text"


def test_shards_come_from_the_file_the_environment_or_the_command_line(tmp_path: Path) -> None:
    unsharded = load_settings(_env())
    assert unsharded.shards is None and unsharded.requests_per_second is None
    every = load_settings(_env(LAUNCHBOT_SHARD_COUNT="4"))
    assert every.shards is not None and (every.shards.ids, every.shards.covers_all) == (
        [0, 1, 2, 3],
        True,
    )
    some = load_settings(_env(LAUNCHBOT_SHARD_COUNT="4", LAUNCHBOT_SHARDS=" 2-3 "))
    assert some.shards is not None and (some.shards.ids, some.shards.share) == ([2, 3], 0.5)
    given = load_settings(
        _env(LAUNCHBOT_SHARD_COUNT="4", LAUNCHBOT_SHARDS="2-3"),
        {"shards.count": ("--shard-count", "6"), "shards.range": ("--shards", "5")},
    )
    assert given.shards is not None and (given.shards.count, given.shards.ids) == (6, [5])
    config = tmp_path / "config.toml"
    config.write_text('[shards]\ncount = 3\nrange = "1-2"\n[discord]\nrequests_per_second = 20\n')
    filed = load_settings({"LAUNCHBOT_CONFIG": str(config)})
    assert str(filed.shards) == "shards 1-2 of 3" and filed.requests_per_second == 20.0


@pytest.mark.parametrize(
    ("values", "flags", "named", "expected"),
    [
        ({"LAUNCHBOT_SHARD_COUNT": "three"}, {}, "LAUNCHBOT_SHARD_COUNT", "whole number"),
        ({"LAUNCHBOT_SHARDS": "0-1"}, {}, "LAUNCHBOT_SHARDS", "--shard-count"),
        ({"LAUNCHBOT_SHARD_COUNT": "2"}, {"shards.range": ("--shards", "1-2")}, "--shards", "0-1"),
        (
            {"LAUNCHBOT_SHARD_COUNT": "4"},
            {"shards.range": ("--shards", "3-1")},
            "--shards",
            "range",
        ),
        ({}, {"shards.range": ("--shards", "0..3")}, "--shards", "range such as 0-3"),
        ({"LAUNCHBOT_DISCORD_REQUESTS_PER_SECOND": "0"}, {}, "REQUESTS_PER_SECOND", "auto"),
    ],
)
def test_a_bad_shard_setting_is_one_line_naming_where_it_was_given(
    values: dict[str, str], flags: dict[str, tuple[str, str]], named: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env(**values), flags)
    assert named in str(caught.value) and expected in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("raw", ["0", "101", "four", "-3", "2.5"])
def test_a_bad_pool_size_names_the_setting_and_the_accepted_range(raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env(LAUNCHBOT_DATABASE_POOL_SIZE=raw))
    assert "LAUNCHBOT_DATABASE_POOL_SIZE" in str(caught.value), str(caught.value)
    assert "between 1 and 100" in str(caught.value), str(caught.value)


async def test_the_pool_size_sizes_the_postgresql_engines_pool() -> None:
    settings = load_settings(
        _env(
            LAUNCHBOT_DATABASE_URL="postgresql+asyncpg://launchbot@127.0.0.1:5432/launchbot",
            LAUNCHBOT_DATABASE_POOL_SIZE=" 3 ",
        )
    )
    assert settings.database_pool_size == 3
    runtime = Runtime.create(settings)
    try:
        pool = runtime.engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool._max_overflow) == (3, 3)
    finally:
        await runtime.engine.dispose()
    assert load_settings(_env()).database_pool_size == 10
