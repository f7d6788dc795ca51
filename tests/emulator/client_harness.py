"""Start / stop a real discord.py client against an emulator (no bot code involved)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import discord

    from .server import Emulator

ClientT = TypeVar("ClientT", bound="discord.Client")


async def start_client(
    client: ClientT,
    emu: Emulator,
    *,
    token: str | None = None,
    wait_ready: bool = True,
    timeout: float = 15.0,
) -> asyncio.Task[None]:
    """Points discord.py at ``emu``, logs in, connects in a task and (by default) waits for
    on_ready. Returns the connect task (its exception, if any, is the client's failure)."""
    from bot.app.endpoints import apply_endpoints

    apply_endpoints(emu.api_base, emu.gateway_url)
    await client.login(token or emu.token)
    task = asyncio.create_task(client.connect(), name="discord-client-connect")
    if wait_ready:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # raises the client's failure
            raise TimeoutError("the client did not become ready")
    return task


async def stop_client(client: discord.Client, task: asyncio.Task[Any] | None = None) -> None:
    await client.close()
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, timeout=5.0)


@contextlib.asynccontextmanager
async def running_client(client: ClientT, emu: Emulator, **kwargs: Any) -> AsyncIterator[ClientT]:
    task = await start_client(client, emu, **kwargs)
    try:
        yield client
    finally:
        await stop_client(client, task)
