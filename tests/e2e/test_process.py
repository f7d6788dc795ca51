"""`launchbot run` as a real process: signals, in-flight work, exit codes, and what it logs."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import socket
from collections.abc import Iterator, Sequence

import pytest

from tests.e2e.harness import LAUNCHBOT, TOKEN, Server, bot_environment
from tests.emulator import Emulator


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    async def wait_for_line(self, needle: str, timeout: float = 20.0) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for line in self.lines:
                    if needle in line:
                        return line
                if self.process.returncode is not None:
                    raise AssertionError("the bot exited:\n" + "\n".join(self.lines[-20:]))
                await asyncio.sleep(0.05)

    async def wait_exit(self, timeout: float) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await self._reader
        return code


async def spawn(
    emu: Emulator, db_url: str, *, args: Sequence[str] = (), **extra: str
) -> BotProcess:
    """``launchbot run [args]``; ``extra``: settings for its environment."""
    env = bot_environment(emu, db_url, **extra)
    process = await asyncio.create_subprocess_exec(
        str(LAUNCHBOT),
        "run",
        *args,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return BotProcess(process)


async def start_process(
    emu: Emulator, db_url: str, *, args: Sequence[str] = (), **extra: str
) -> BotProcess:
    bot = await spawn(emu, db_url, args=args, **extra)
    await bot.wait_for_line("ready as")
    return bot


async def test_sigterm_finishes_work_in_flight_and_exits_0(
    emu: Emulator, server: Server, db_url: str
) -> None:
    bot = await start_process(emu, db_url)
    frozen = re.search(r"heap frozen once ready: (\d+) objects", await bot.wait_for_line("frozen"))
    assert frozen is not None and int(frozen[1]) > 10_000  # what it built to start, out of GC's way
    await bot.wait_for_line("scheduled posts: watching")  # the scheduler has run the first look
    answer = emu.faults.slow(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback", 1.5, count=1
    )
    handle = await emu.invoke_slash(server.guild, server.member, "about")
    async with asyncio.timeout(15):  # until the answer is on its way: the command is in flight
        while True:
            if answer.hits:
                break
            await asyncio.sleep(0.01)
    bot.process.send_signal(signal.SIGTERM)
    response = await handle.wait_response()
    assert response.embeds[0]["title"] == "launchbot"
    assert await bot.wait_exit(timeout=15) == 0
    assert not any("work still running" in line for line in bot.lines), bot.lines
    finished = next(i for i, line in enumerate(bot.lines) if "command=/about" in line)
    stopped = next(i for i, line in enumerate(bot.lines) if line.endswith("stopped"))
    assert "outcome=ok" in bot.lines[finished] and finished < stopped
    assert not [line for line in bot.lines if " apscheduler." in line]  # jobs ran unnarrated


async def test_sigint_exits_0_and_the_token_never_appears_in_debug_logs(
    emu: Emulator, server: Server, db_url: str
) -> None:
    bot = await start_process(emu, db_url, LAUNCHBOT_LOG_LEVEL="DEBUG", LAUNCHBOT_LOG_FORMAT="json")
    handle = await emu.invoke_slash(server.guild, server.editor, "about")
    await handle.wait_response()
    await bot.wait_for_line('"command": "about"')
    bot.process.send_signal(signal.SIGINT)
    assert await bot.wait_exit(timeout=15) == 0
    output = "\n".join(bot.lines)
    assert len(bot.lines) > 20, "expected a DEBUG-level log"
    assert any('"logger": "apscheduler.' in line for line in bot.lines), "DEBUG shows the jobs"
    assert TOKEN not in output
    assert TOKEN.split(".")[0] not in output


async def test_interaction_tokens_never_appear_in_debug_logs(
    emu: Emulator, server: Server, db_url: str
) -> None:
    """Callback and webhook URLs carry the interaction's token, a credential for 15 minutes."""
    bot = await start_process(emu, db_url, LAUNCHBOT_LOG_LEVEL="DEBUG")
    handle = await emu.invoke_slash(
        server.guild,
        server.editor,
        "launch",
        subcommand="add",
        options={"device": "Pixel 9", "brand": "Google"},
    )
    await handle.wait_response()
    await bot.wait_for_line("command=/launch add")
    bot.process.send_signal(signal.SIGTERM)
    assert await bot.wait_exit(timeout=15) == 0
    output = "\n".join(bot.lines)
    assert f"/interactions/{handle.id}/[redacted]/callback" in output
    assert "'token': '[redacted]'" in output  # the INTERACTION_CREATE payload
    assert handle.token not in output
    assert handle.token[:40] not in output


@contextlib.contextmanager
def _refusing_port() -> Iterator[int]:
    """A port that refuses connections: bound but not listening, and held meanwhile so that no
    other process on the machine is given it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield int(probe.getsockname()[1])


@pytest.mark.parametrize("refusal", ["connection refused", "handshake refused"])
async def test_a_gateway_unreachable_at_start_is_retried_with_one_line_per_attempt(
    emu: Emulator, server: Server, db_url: str, refusal: str
) -> None:
    if refusal == "connection refused":  # nothing listens on the gateway's port at first
        with _refusing_port() as port:
            bot = await spawn(
                emu, db_url, LAUNCHBOT_DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway"
            )
            await bot.wait_for_line("(attempt 2: ")
        await emu.listen_also(port)
    else:
        emu.faults.fail_next("GET", "/gateway", count=2, status=503)
        bot = await spawn(emu, db_url)
    await bot.wait_for_line("ready as")
    handle = await emu.invoke_slash(server.guild, server.member, "about")
    assert (await handle.wait_response()).embeds[0]["title"] == "launchbot"
    bot.process.send_signal(signal.SIGTERM)
    assert await bot.wait_exit(timeout=15) == 0
    failed = [line for line in bot.lines if "cannot reach the Discord gateway" in line]
    assert [line.split("(attempt ")[1][:2] for line in failed] == ["1:", "2:"]
    assert all("WARNING" in line and "trying again in" in line for line in failed)
    expected = "HTTP 503" if refusal == "handshake refused" else "Connect call failed"
    assert expected in failed[0]
    assert not any("Traceback" in line or "Error" in line for line in bot.lines)
    assert emu.gateway.identify_count == 1


async def test_sigterm_while_waiting_for_the_gateway_exits_0(emu: Emulator, db_url: str) -> None:
    with _refusing_port() as port:
        gateway = f"ws://127.0.0.1:{port}/gateway"
        bot = await spawn(emu, db_url, LAUNCHBOT_DISCORD_GATEWAY_URL=gateway)
        await bot.wait_for_line("(attempt 1: ")
        bot.process.send_signal(signal.SIGTERM)
        assert await bot.wait_exit(timeout=15) == 0
    assert bot.lines[-1].endswith("stopped"), "\n".join(bot.lines)
    assert not any("Traceback" in line or "ERROR" in line for line in bot.lines), bot.lines


async def test_refused_token_is_one_clear_line(emu: Emulator, db_url: str) -> None:
    env = bot_environment(emu, db_url, DISCORD_TOKEN="not-the-right-token")
    process = await asyncio.create_subprocess_exec(
        str(LAUNCHBOT),
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    last = stderr.decode().strip().splitlines()[-1]
    assert last == "launchbot: Discord refused the token in DISCORD_TOKEN (401)"
    assert "Traceback" not in stderr.decode()


async def test_sync_force_syncs_even_when_unchanged(
    emu: Emulator, server: Server, db_url: str
) -> None:
    env = bot_environment(emu, db_url)
    for expected_syncs in (1, 2):
        process = await asyncio.create_subprocess_exec(
            str(LAUNCHBOT),
            "sync",
            "--force",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()
        assert stdout.decode().strip() == "slash commands synced"
        assert len(emu.command_syncs) == expected_syncs
    assert emu.gateway.identify_count == 0
    bot = await start_process(emu, db_url)
    assert len(emu.command_syncs) == 2, "run must not sync again after a forced sync"
    bot.process.send_signal(signal.SIGTERM)
    assert await bot.wait_exit(timeout=15) == 0
