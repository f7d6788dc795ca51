"""Gateway sessions (resumable event streams) and connections (one websocket each)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .errors import dumps


@dataclass
class GatewayEvent:
    """One entry of ``emu.gateway.log`` (kind: connect, identify, resume, invalid_session, ...)."""

    kind: str
    detail: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.monotonic)


class Connection:
    """One websocket. Frames are written in order by a writer task; ``zlib-stream`` uses one
    compressor per connection with a Z_SYNC_FLUSH after every message, as Discord does."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.request = request
        self.path = request.path
        self.query = dict(request.query)
        self.compress = self.query.get("compress") == "zlib-stream"
        self._zlib = zlib.compressobj() if self.compress else None
        self.session: GatewaySession | None = None
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.writer = asyncio.create_task(self._write_loop())
        self.closed = False
        self.sent_close_code: int | None = None
        self.sent: list[dict[str, Any]] = []

    def send(self, payload: dict[str, Any]) -> None:
        if not self.closed:
            self.queue.put_nowait(("send", payload))

    def close(self, code: int, reason: str = "") -> None:
        if not self.closed:
            self.closed = True
            self.sent_close_code = code
            self.queue.put_nowait(("close", (code, reason)))

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (a network failure)."""
        self.closed = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def flush(self) -> None:
        if not self.writer.done():
            await self.queue.join()

    async def _write_loop(self) -> None:
        while True:
            kind, value = await self.queue.get()
            try:
                if kind == "send":
                    await self._send_frame(value)
                else:
                    code, reason = value
                    await self.ws.close(code=code, message=reason.encode())
                    return
            except (ConnectionError, RuntimeError):
                self.closed = True
                return
            finally:
                self.queue.task_done()

    async def _send_frame(self, payload: dict[str, Any]) -> None:
        if self.ws.closed:
            raise ConnectionError("websocket closed")
        self.sent.append(payload)
        text = dumps(payload)
        if self._zlib is not None:
            data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(text)

    async def stop(self) -> None:
        self.writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.writer
        # Unblock anyone waiting in flush().
        while not self.queue.empty():
            self.queue.get_nowait()
            self.queue.task_done()


class GatewaySession:
    def __init__(
        self,
        session_id: str,
        token: str,
        intents: int,
        shard: tuple[int, int],
        large_threshold: int,
    ) -> None:
        self.session_id = session_id
        self.token = token
        self.intents = intents
        self.shard = shard
        self.large_threshold = large_threshold
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []
        self.connection: Connection | None = None
        self.invalidated = False
        self.presence: dict[str, Any] | None = None

    def handles_guild(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    def dispatch(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        payload = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.buffer.append(payload)
        if self.connection is not None:
            self.connection.send(payload)
        return payload

    def replay_after(self, seq: int) -> list[dict[str, Any]]:
        return [p for p in self.buffer if p["s"] > seq]
