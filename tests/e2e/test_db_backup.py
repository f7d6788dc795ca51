"""Backups taken while the bot runs and writes. SQLite: `launchbot db backup` three times while
members keep adding launches; each backup is whole (integrity ok), at the latest schema, and holds
every launch committed before it began and none that was not committed. PostgreSQL: the command
refuses and prints the pg_dump command, which is then run as printed, and its dump restored."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.models import Launch
from bot.db.sqlite_file import sqlite_path
from tests.e2e.calendar_helpers import run, seed_launches
from tests.e2e.harness import LAUNCHBOT, TOKEN, Server, build_server, start_bot
from tests.emulator import Emulator
from tests.support import databases

SEEDED = 3000
WRITER_DEADLINE_S = 60.0


async def _launches(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(Launch)) or 0)
    finally:
        await engine.dispose()


async def _launchbot(url: str, *args: str, cwd: Path) -> tuple[int, str, str]:
    env = {"PATH": "/usr/bin:/bin", "LAUNCHBOT_DATABASE_URL": url}
    process = await asyncio.create_subprocess_exec(
        str(LAUNCHBOT), *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), 120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, out.decode(), err.decode()


class Writer:
    """A member adding launches through the bot, one after another, until told to stop."""

    def __init__(self, emu: Emulator, server: Server) -> None:
        self.added = 0
        self.refused: list[str] = []
        self.progress = asyncio.Condition()
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run(emu, server))

    async def _run(self, emu: Emulator, server: Server) -> None:
        while not self._stop.is_set():
            reply = await run(
                emu, server.guild, server.editor, "launch", "add",
                device=f"Live {self.added}", brand="Writer", date="2031-05-01",
            )  # fmt: skip
            if reply.ephemeral:
                self.refused.append(str(reply.content))
            async with self.progress:
                self.added += 1
                self.progress.notify_all()

    async def wait_for(self, added: int) -> None:
        async with self.progress:
            await asyncio.wait_for(self.progress.wait_for(lambda: self.added >= added), 30)

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.wait_for(self._task, 30)


async def test_backups_taken_while_the_bot_writes_are_whole_and_current(
    db_url: str, tmp_path: Path
) -> None:
    """The writer's commands may wait for the machine (a dump, a restore and the bot share two
    cores in the full suite): what is measured is the backups, so the emulator gives each
    command a minute instead of Discord's 3 s (the bot still defers after 1 s)."""
    async with Emulator(TOKEN, interaction_response_timeout=WRITER_DEADLINE_S) as emu:
        server = build_server(emu)
        await seed_launches(db_url, server.guild.id, SEEDED)
        bot = await start_bot(emu, db_url)
        try:
            writer = Writer(emu, server)
            try:
                if sqlite_path(db_url) is None:
                    await _pg_dump_as_told(db_url, writer, tmp_path)
                else:
                    await _sqlite_backups(db_url, writer, tmp_path)
            finally:
                await writer.stop()
        finally:
            await bot.stop()
    assert writer.refused == []
    assert await _launches(db_url) == SEEDED + writer.added


async def _sqlite_backups(db_url: str, writer: Writer, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    os.mkdir(folder)
    for n in range(3):
        await writer.wait_for(writer.added + 1)  # the bot is writing
        before = await _launches(db_url)
        code, out, err = await _launchbot(db_url, "db", "backup", f"backup-{n}.db", cwd=folder)
        after = await _launches(db_url)
        assert code == 0, err
        assert out.rstrip().endswith("integrity ok") and "Traceback" not in err
        backup = folder / f"backup-{n}.db"
        with contextlib.closing(sqlite3.connect(backup)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            held = conn.execute("SELECT count(*) FROM launches").fetchone()[0]
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        assert before <= held <= after
        assert revision == migrate.head_revision()
    assert sorted(os.listdir(folder)) == [f"backup-{n}.db" for n in range(3)]


async def _pg_dump_as_told(db_url: str, writer: Writer, tmp_path: Path) -> None:
    code, _, err = await _launchbot(db_url, "db", "backup", "calendar.dump", cwd=tmp_path)
    assert code == 2 and "Traceback" not in err
    told = err.split("back up PostgreSQL with pg_dump: ")[1].split(" (the password")[0]
    assert told.startswith("pg_dump --format=custom --file=calendar.dump postgresql://")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    await writer.wait_for(writer.added + 1)
    before = await _launches(db_url)
    dumped = await asyncio.create_subprocess_exec(*shlex.split(told), cwd=tmp_path)
    assert await asyncio.wait_for(dumped.wait(), 120) == 0
    after = await _launches(db_url)

    server = databases.postgres_server_url()
    assert server is not None
    restored = await databases.create_postgres_database(server, "restore_")
    try:
        target = restored.set(drivername="postgresql").render_as_string(hide_password=False)
        restoring = await asyncio.create_subprocess_exec(
            "pg_restore", "--no-owner", f"--dbname={target}", "calendar.dump", cwd=tmp_path
        )
        assert await asyncio.wait_for(restoring.wait(), 120) == 0
        url = restored.render_as_string(hide_password=False)
        assert before <= await _launches(url) <= after
        engine = create_engine(url)
        try:
            assert await migrate.current_revision(engine) == migrate.head_revision()
        finally:
            await engine.dispose()
    finally:
        await databases.drop_postgres_database(server, restored)
    assert make_url(db_url).password is None  # nothing to hide here: trust authentication
