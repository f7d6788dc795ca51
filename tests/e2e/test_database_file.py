"""A SQLite file that vanishes or is replaced under the running bot: refused, never recreated."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.calendar_helpers import run, table_counts
from tests.e2e.harness import RunningBot, Server, start_bot, wait_for_log
from tests.emulator import Emulator
from tests.support import databases

REFUSED = (
    "The calendar's database is unavailable, so nothing was read or changed. "
    "The bot's operator has been told."
)


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "data" / "launchbot.db"
    path.parent.mkdir()
    databases.sqlite_copy(sqlite_template, path)
    return path


@pytest.fixture
async def bot_on_file(emu: Emulator, server: Server, database: Path) -> AsyncIterator[RunningBot]:
    bot = await start_bot(emu, databases.sqlite_url(database))
    yield bot
    await bot.stop()


async def _add(emu: Emulator, server: Server, device: str) -> str:
    reply = await run(
        emu, server.guild, server.editor, "launch", "add", device=device, brand="Xiaomi"
    )
    return "" if reply.embeds else str(reply.content)


async def test_a_deleted_database_folder_refuses_writes_and_is_not_recreated(
    emu: Emulator,
    server: Server,
    database: Path,
    bot_on_file: RunningBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await _add(emu, server, "Xiaomi 12") == ""  # the card: added
    shutil.rmtree(database.parent)
    assert await _add(emu, server, "Xiaomi 13") == REFUSED
    assert await _add(emu, server, "Xiaomi 14") == REFUSED
    logged = await wait_for_log(caplog, "has been deleted since the bot opened it")
    assert str(database) in logged
    assert not database.parent.exists()


async def test_a_replaced_database_file_is_refused_and_left_untouched(
    emu: Emulator,
    server: Server,
    database: Path,
    bot_on_file: RunningBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await _add(emu, server, "Xiaomi 12") == ""
    replacement = database.with_name("restored.db")
    shutil.copy(database, replacement)
    os.replace(replacement, database)
    counts = await table_counts(databases.sqlite_url(database))
    assert await _add(emu, server, "Xiaomi 13") == REFUSED
    await wait_for_log(caplog, "has been replaced by another file")
    assert await table_counts(databases.sqlite_url(database)) == counts
