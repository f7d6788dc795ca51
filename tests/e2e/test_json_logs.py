"""With LAUNCHBOT_LOG_FORMAT=json every line on standard error is a JSON object: a real
`launchbot run` through a normal start and stop (at DEBUG, with discord.py's own loggers, and
the HTTP endpoint served), and through each kind of fatal start; warnings and exceptions nobody
caught; the command line's usage and config errors."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import LAUNCHBOT, REPO, Server, bot_environment
from tests.e2e.ops_helpers import LISTEN, health, metrics, value
from tests.e2e.test_process import spawn
from tests.emulator import Emulator

JSON = {"LAUNCHBOT_LOG_FORMAT": "json"}


def _records(lines: list[str]) -> list[dict[str, Any]]:
    """Every line parsed as JSON (the assertion names the first that is not)."""
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise AssertionError(f"not JSON: {line!r}") from None
        assert isinstance(record, dict), line
        assert {"time", "level", "logger", "message"} <= set(record), record
        records.append(record)
    return records


async def _run(*args: str, env: dict[str, str], timeout: float = 30) -> tuple[int, list[str]]:
    process = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stderr.decode().splitlines()


async def test_a_normal_run_at_debug_writes_only_json_lines(
    emu: Emulator, server: Server, db_url: str
) -> None:
    bot = await spawn(emu, db_url, LAUNCHBOT_LOG_LEVEL="DEBUG", **JSON, **LISTEN)
    try:
        await bot.wait_for_line("ready as")
        serving = json.loads(await bot.wait_for_line("serving /healthz and /metrics"))
        found = re.search(r"http://([\d.]+):(\d+)$", serving["message"])
        assert found is not None, serving
        address = (found[1], int(found[2]))
        handle = await emu.invoke_slash(server.guild, server.member, "about")
        assert (await handle.wait_response()).embeds[0]["title"] == "launchbot"
        await bot.wait_for_line('"command": "about"')
        assert (await health(address))[0] == 200
        samples = await metrics(address)
        assert value(samples, "launchbot_interaction_seconds_count", command="about") == 1
        bot.process.send_signal(signal.SIGTERM)
        assert await bot.wait_exit(timeout=15) == 0
    finally:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    records = _records(bot.lines)
    loggers = {r["logger"] for r in records}
    assert {"discord.client", "discord.gateway", "discord.http", "launchbot.app"} <= loggers
    assert records[-1]["message"] == "stopped"


async def test_a_refused_token_is_json_to_the_last_line(emu: Emulator, db_url: str) -> None:
    env = bot_environment(emu, db_url, DISCORD_TOKEN="not-the-right-token", **JSON)
    code, lines = await _run(str(LAUNCHBOT), "run", env=env)
    assert code == 1
    last = _records(lines)[-1]
    assert last["level"] == "ERROR" and last["logger"] == "launchbot.cli"
    assert last["message"] == "Discord refused the token in DISCORD_TOKEN (401)"


@pytest.mark.parametrize(
    ("url", "code", "said"),
    [
        ("postgresql+asyncpg://postgres@127.0.0.1:1/nothing", 1, "cannot use the database"),
        ("sqlite+aiosqlite:///{tmp}/missing.db", 3, "does not exist: run `launchbot db upgrade`"),
        ("mysql://somewhere/db", 2, "config error: invalid setting LAUNCHBOT_DATABASE_URL"),
    ],
)
async def test_a_database_that_cannot_be_used_is_json_to_the_last_line(
    emu: Emulator, tmp_path: Path, url: str, code: int, said: str
) -> None:
    env = bot_environment(emu, url.format(tmp=tmp_path), **JSON)
    exit_code, lines = await _run(str(LAUNCHBOT), "run", env=env)
    assert exit_code == code
    last = _records(lines)[-1]
    assert last["level"] == "ERROR" and said in last["message"], last
    assert "Traceback" not in "\n".join(lines)


async def test_usage_errors_and_a_missing_token_are_json(emu: Emulator) -> None:
    env = bot_environment(emu, "sqlite+aiosqlite:///nowhere.db", **JSON)
    code, lines = await _run(str(LAUNCHBOT), "frobnicate", env=env)
    assert code == 2
    [usage] = _records(lines)
    assert "invalid choice: 'frobnicate'" in usage["message"]
    env.pop("DISCORD_TOKEN")
    code, lines = await _run(str(LAUNCHBOT), "run", env=env)
    assert code == 2
    [help_text] = _records(lines)
    assert help_text["message"].startswith("DISCORD_TOKEN is not set")


async def test_the_log_format_in_the_config_file_holds_for_a_config_error(
    emu: Emulator, tmp_path: Path
) -> None:
    """The format is read before the settings are checked, from the file as from the
    environment, so the error in them is JSON too."""
    custom = tmp_path / "config.toml"
    custom.write_text('[logging]\nformat = "json"\nlevel = "LOUD"\n', encoding="utf-8")
    env = bot_environment(emu, "sqlite+aiosqlite:///nowhere.db", LAUNCHBOT_CONFIG=str(custom))
    code, lines = await _run(str(LAUNCHBOT), "run", env=env)
    assert code == 2
    [error] = _records(lines)
    assert error["message"].startswith("config error: invalid setting logging.level='LOUD'")


PROGRAM = """
import gc, threading, warnings
from bot.logs import log_what_escapes, setup_logging
setup_logging("INFO", "json", ["secret.token.value"])
log_what_escapes()
warnings.warn("an old way of doing it")
thread = threading.Thread(target=lambda: 1 / 0, name="worker")
thread.start(); thread.join()
class Leaky:
    def __del__(self):
        raise RuntimeError("in a destructor")
Leaky(); gc.collect()
raise SystemError("nobody caught this, secret.token.value")
"""


async def test_warnings_and_exceptions_nobody_caught_are_json() -> None:
    code, lines = await _run(sys.executable, "-c", PROGRAM, env={"PYTHONPATH": str(REPO)})
    assert code == 1
    records = _records(lines)
    assert [r["logger"] for r in records] == [
        "py.warnings", "launchbot.crash", "launchbot.crash", "launchbot.crash"
    ]  # fmt: skip
    warning, thread, destructor, uncaught = records
    assert "an old way of doing it" in warning["message"]
    assert thread["message"].startswith("uncaught ZeroDivisionError in thread worker")
    assert "in a destructor" in destructor["trace"]
    assert uncaught["level"] == "CRITICAL" and "SystemError" in uncaught["trace"]
    assert "secret.token.value" not in "\n".join(lines)
    assert "[redacted]" in uncaught["message"]
