"""Two `launchbot run` processes starting at once on an out-of-date schema both refuse, with the
command that fixes it, and neither migrates it: migrations are only ever `launchbot db upgrade`."""

from __future__ import annotations

import asyncio

from bot.db import migrate
from bot.db.engine import create_engine
from tests.e2e.harness import LAUNCHBOT, bot_environment
from tests.emulator import Emulator

BEHIND = "0008"


async def _start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(LAUNCHBOT), "run", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_two_bots_starting_on_an_old_schema_both_refuse_and_change_nothing(
    emu: Emulator, scratch_db_url: str
) -> None:
    engine = create_engine(scratch_db_url)
    try:
        await migrate.upgrade(engine, BEHIND)
    finally:
        await engine.dispose()
    env = bot_environment(emu, scratch_db_url)
    processes = [await _start(env) for _ in range(2)]
    try:
        errors = [(await asyncio.wait_for(p.communicate(), 60))[1].decode() for p in processes]
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
    head = migrate.head_revision()
    assert [p.returncode for p in processes] == [3, 3], errors
    for error in errors:
        assert "Traceback" not in error
        assert error.strip().splitlines()[-1] == (
            f"launchbot: the database is at revision {BEHIND} but this version needs {head}: "
            "run `launchbot db upgrade` (or `make run`, which does it for you)"
        )
    engine = create_engine(scratch_db_url)
    try:
        assert await migrate.current_revision(engine) == BEHIND
    finally:
        await engine.dispose()
    assert emu.gateway.identify_count == 0 and emu.command_syncs == []
