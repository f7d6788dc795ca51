"""What benchmarks.scheduled_posts runs its designs with: each design as a process of its own
against the emulator (a real `launchbot run`, or the one-job-per-post baseline), servers in the
emulator, and the posts that reached it."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchmarks.common import process_cpu_seconds
from benchmarks.membot import status_kb
from tests.e2e.harness import LAUNCHBOT, bot_environment
from tests.emulator import Emulator
from tests.support.post_seeding import Announce

BASELINE = (sys.executable, "-m", "benchmarks.one_job_per_post")
BOT = (str(LAUNCHBOT), "run")
BOT_READY = "scheduled posts: watching"
BASELINE_READY = "ready: "
DISPATCHER, ONE_JOB = "dispatcher", "one job per post"
DESIGNS = {DISPATCHER: (BOT, BOT_READY), ONE_JOB: (BASELINE, BASELINE_READY)}


@dataclass
class Process:
    process: asyncio.subprocess.Process
    log: Path
    started: float
    ready_after: float = 0.0

    def rss_mb(self) -> float:
        return status_kb("VmRSS", str(self.process.pid)) / 1024

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def start(design: str, emu: Emulator, url: str, folder: Path, within: float) -> Process:
    """The design's process; returns once it says it is ready to dispatch."""
    command, ready = DESIGNS[design]
    log = folder / f"{design.replace(' ', '-')}.log"
    env = bot_environment(emu, url, LAUNCHBOT_LOG_LEVEL="INFO")
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=sink
        )
    running = Process(process, log, started)
    try:
        async with asyncio.timeout(within):
            while ready not in log.read_text(errors="replace"):
                if process.returncode is not None:
                    raise RuntimeError(f"{design} exited:\n" + log.read_text()[-2000:])
                await asyncio.sleep(0.01)
    except BaseException:
        await running.stop()
        raise
    running.ready_after = time.perf_counter() - started
    return running


@dataclass(frozen=True, slots=True)
class Server:
    announce: Announce
    members: tuple[int, ...]
    """Members whose DMs get posts (each DM is a channel of its own)."""


def servers(emu: Emulator, count: int, members: int = 0) -> list[Server]:
    found = []
    for n in range(count):
        guild = emu.state.add_guild(f"Server {n}", channels=("general", "news", "chat"))
        channel = emu.state.add_channel(guild, "launches").id
        users = tuple(
            emu.state.add_member(guild, f"member-{n}-{m}").user.id for m in range(members)
        )
        found.append(Server(Announce(guild.id, channel), users))
    return found


@dataclass(frozen=True, slots=True)
class Arrival:
    nonce: str
    channel_id: int
    at: datetime


def arrived(emu: Emulator) -> list[Arrival]:
    return [
        Arrival(m.nonce, m.channel_id, m.created_at)
        for m in emu.message_store.created
        if m.nonce is not None and m.nonce.startswith("lbp")
    ]


async def wait_for_posts(emu: Emulator, count: int, within: float) -> None:
    """Every message the emulator stores in these runs is a post; counting them is cheap, where
    reading them all at each arrival would stall the emulator's loop (and bunch its counts)."""
    await emu.message_store.notifier.wait_for(
        lambda: True if len(emu.message_store.created) >= count else None,
        within,
        lambda: f"{len(arrived(emu))} of {count} posts arrived within {within:.0f} s",
    )
