"""The gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME, event dispatch."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads
from .constants import ALL_INTENTS, PRIVILEGED_INTENTS, GatewayClose, Intent, Op
from .gateway_session import Connection, GatewayEvent, GatewaySession
from .notifier import Notifier
from .snowflakes import iso
from .world import World

REDACTED_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}


class Gateway:
    def __init__(
        self,
        world: World,
        *,
        token: Callable[[], str],
        granted_intents: Callable[[], int],
        resume_url: Callable[[], str],
        heartbeat_interval: float,
        max_guilds_per_shard: int = 2500,
    ) -> None:
        self.world = world
        self.max_guilds_per_shard = max_guilds_per_shard
        """More guilds than this on one session: IDENTIFY is closed with 4011 (shard the bot)."""
        self._token = token
        self._granted = granted_intents
        self._resume_url = resume_url
        self.heartbeat_interval = heartbeat_interval
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[Connection] = []
        self.log: list[GatewayEvent] = []
        self.notifier = Notifier()
        self.ack_heartbeats = True

    # ------------------------------------------------------------ observation

    def _record(self, kind: str, **detail: Any) -> None:
        self.log.append(GatewayEvent(kind, detail))
        self.notifier.notify()

    def count(self, kind: str) -> int:
        return sum(1 for e in self.log if e.kind == kind)

    @property
    def connection_count(self) -> int:
        return self.count("connect")

    @property
    def identify_count(self) -> int:
        return self.count("identify")

    @property
    def resume_count(self) -> int:
        return self.count("resume")

    async def wait_for(self, kind: str, count: int = 1, timeout: float = 15.0) -> GatewayEvent:
        """Waits until ``count`` events of ``kind`` (connect, identify, resume, ...) happened."""

        def check() -> GatewayEvent | None:
            found = [e for e in self.log if e.kind == kind]
            return found[count - 1] if len(found) >= count else None

        def describe() -> str:
            return f"gateway event {kind!r} x{count} not seen; log: {[e.kind for e in self.log]}"

        return await self.notifier.wait_for(check, timeout, describe)

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if not s.invalidated]

    def connected_sessions(self) -> list[GatewaySession]:
        return [s for s in self.live_sessions() if s.connection is not None]

    def dispatched(self, event: str) -> list[tuple[tuple[int, int], dict[str, Any]]]:
        """``(shard, data)`` of every ``event`` sent to any session so far (``shard`` is the
        session's ``(shard_id, shard_count)``; ``(0, 1)`` when it identified unsharded)."""
        return [
            (session.shard, payload["d"])
            for session in self.sessions.values()
            for payload in session.buffer
            if payload["t"] == event
        ]

    # --------------------------------------------------------------- dispatch

    def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        intent: int | None = None,
        redact: bool = False,
    ) -> int:
        """Sends a DISPATCH to every live session that handles ``guild_id`` (its shard's; shard
        0's for None, a DM) and has ``intent``; disconnected sessions buffer it for RESUME.
        Returns how many sessions got it."""
        return len(self.dispatch_to(event, data, guild_id=guild_id, intent=intent, redact=redact))

    def dispatch_to(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        intent: int | None = None,
        redact: bool = False,
    ) -> list[GatewaySession]:
        """``dispatch``, returning the sessions that got the event."""
        sent: list[GatewaySession] = []
        for session in self.live_sessions():
            if not session.handles_guild(guild_id):
                continue
            if intent is not None and not session.intents & intent:
                continue
            body = data
            if redact and not session.intents & Intent.MESSAGE_CONTENT:
                body = {**data, **REDACTED_FIELDS}
                body.pop("poll", None)
            session.dispatch(event, body)
            sent.append(session)
        return sent

    def world_changed(self, event: str, guild_id: int | None, data: dict[str, Any]) -> None:
        if event == "GUILD_CREATE":
            guild = self.world.guild(int(data["id"]))
            for session in self.live_sessions():
                if (
                    guild is not None
                    and session.handles_guild(guild.id)
                    and session.intents & Intent.GUILDS
                ):
                    data = self._guild_create(session, guild)
                    del data[
                        "unavailable"
                    ]  # a join, not an outage ending: discord.py -> on_guild_join
                    session.dispatch("GUILD_CREATE", data)
            return
        intent = Intent.GUILD_MEMBERS if event.startswith("GUILD_MEMBER_") else Intent.GUILDS
        self.dispatch(event, data, guild_id=guild_id, intent=intent)

    async def flush(self) -> None:
        """Waits until every queued frame has been written to the sockets."""
        await asyncio.gather(*(c.flush() for c in list(self.connections)))

    # ---------------------------------------------------------- fault injection

    async def drop(self, code: int | None = None) -> int:
        """Drops every connection: abruptly (no close frame) or with close ``code``."""
        dropped = list(self.connections)
        for conn in dropped:
            if code is None:
                conn.abort()
            else:
                conn.close(code, "emulator drop")
            self._record("drop", code=code)
        await asyncio.sleep(0)
        return len(dropped)

    def send_reconnect(self) -> None:
        """OP 7 RECONNECT to every connection: the client should close and RESUME."""
        for conn in list(self.connections):
            conn.send({"op": Op.RECONNECT, "d": None, "s": None, "t": None})

    def invalidate_sessions(self, resumable: bool = False) -> None:
        """OP 9 INVALID_SESSION to every connection (not resumable: the client re-IDENTIFYs)."""
        for conn in list(self.connections):
            if conn.session is not None and not resumable:
                conn.session.invalidated = True
            conn.send({"op": Op.INVALID_SESSION, "d": resumable, "s": None, "t": None})
            self._record("invalid_session", resumable=resumable)

    async def close_all(self) -> None:
        for conn in list(self.connections):
            conn.close(1001, "emulator stopping")
        await asyncio.gather(*(c.flush() for c in list(self.connections)), return_exceptions=True)
        for conn in list(self.connections):
            await conn.stop()

    # ------------------------------------------------------------- websocket

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, compress=False)
        await ws.prepare(request)
        conn = Connection(ws, request)
        self.connections.append(conn)
        self._record("connect", path=request.path, query=dict(request.query))
        conn.send(
            {
                "op": Op.HELLO,
                "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)},
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    conn.close(GatewayClose.DECODE_ERROR, "Error while decoding payload.")
                    break
                self._on_payload(conn, payload)
                if conn.closed:
                    break
            await conn.flush()
        finally:
            self.connections.remove(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            by_server = conn.sent_close_code is not None
            self._record(
                "disconnect",
                close_code=conn.sent_close_code if by_server else ws.close_code,
                closed_by="server" if by_server else "client",
            )
            await conn.stop()
        return ws

    def _on_payload(self, conn: Connection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == Op.HEARTBEAT:
            self._record("heartbeat", seq=data)
            if self.ack_heartbeats:
                conn.send({"op": Op.HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == Op.IDENTIFY:
            self._identify(conn, data or {})
        elif op == Op.RESUME:
            self._resume(conn, data or {})
        elif conn.session is None:
            conn.close(GatewayClose.NOT_AUTHENTICATED, "Not authenticated.")
        elif op == Op.PRESENCE_UPDATE:
            conn.session.presence = data
            self._record("presence", presence=data)
        elif op == Op.REQUEST_GUILD_MEMBERS:
            self._request_members(conn.session, data or {})
        elif op == Op.VOICE_STATE_UPDATE:
            self._record("voice_state", data=data)
        else:
            conn.close(GatewayClose.UNKNOWN_OPCODE, "Unknown opcode.")

    def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            conn.close(GatewayClose.ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        self._record("identify", intents=data.get("intents"), shard=data.get("shard"))
        if data.get("token") != self._token():
            conn.close(GatewayClose.AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~ALL_INTENTS:
            conn.close(GatewayClose.INVALID_INTENTS, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self._granted():
            conn.close(GatewayClose.DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        shard = _shard(data.get("shard"))
        if shard is None:
            conn.close(GatewayClose.INVALID_SHARD, "Invalid shard.")
            return
        shard_id, shard_count = shard
        held = [g for g in self.world.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        if len(held) > self.max_guilds_per_shard:
            conn.close(GatewayClose.SHARDING_REQUIRED, "Sharding is required.")
            return
        session = GatewaySession(
            secrets.token_hex(16),
            data["token"],
            intents,
            (shard_id, shard_count),
            int(data.get("large_threshold", 50)),
        )
        for old in self.sessions.values():
            if old.shard == session.shard and old.connection is None:
                old.invalidated = True
        self.sessions[session.session_id] = session
        conn.session, session.connection = session, conn
        session.presence = data.get("presence")
        guilds = [g for g in self.world.guilds.values() if session.handles_guild(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": payloads.self_user(self.world.bot),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._resume_url(),
            "application": {
                "id": str(self.world.application.id),
                "flags": self.world.application.flags,
            },
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["emulator"],
            "user_settings": {},
            "auth": {},
            "_trace": ['["discord-emulator"]'],
        }
        if data.get("shard") is not None:
            ready["shard"] = [shard_id, shard_count]
        session.dispatch("READY", ready)
        if intents & Intent.GUILDS:
            for guild in guilds:
                session.dispatch("GUILD_CREATE", self._guild_create(session, guild))

    def _guild_create(self, session: GatewaySession, guild: Any) -> dict[str, Any]:
        bot = self.world.bot_member(guild)
        members = list(guild.members.values()) if session.intents & Intent.GUILD_MEMBERS else [bot]
        return payloads.guild_create(
            guild,
            members=members,
            users=self.world.users,
            joined_at=iso(bot.joined_at),
            large_threshold=session.large_threshold,
        )

    def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        self._record(
            "resume", session_id=data.get("session_id"), seq=data.get("seq"), path=conn.path
        )
        if data.get("token") != self._token():
            conn.close(GatewayClose.AUTHENTICATION_FAILED, "Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        if session is None or session.invalidated or session.token != data.get("token"):
            self._record("invalid_session", resumable=False)
            conn.send({"op": Op.INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if seq > session.seq:
            conn.close(GatewayClose.INVALID_SEQ, "Invalid seq.")
            return
        old = session.connection
        if old is not None and old is not conn:
            old.close(GatewayClose.SESSION_TIMED_OUT, "Session taken over.")
        conn.session, session.connection = session, conn
        for payload in session.replay_after(seq):
            conn.send(payload)
        session.dispatch("RESUMED", {"_trace": ['["discord-emulator"]']})
        self._record("resumed", session_id=session.session_id, replayed=session.seq - seq - 1)

    def _request_members(self, session: GatewaySession, data: dict[str, Any]) -> None:
        self._record("request_members", data=data)
        guild = self.world.guild(data.get("guild_id", 0))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.id in wanted]
        query = (data.get("query") or "").lower()
        if query:
            members = [m for m in members if m.user.username.lower().startswith(query)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [payloads.member(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)


def _shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's ``shard``: absent means ``(0, 1)``; anything but ``[id, count]`` with
    ``0 <= id < count`` is invalid (None)."""
    if value is None:
        return (0, 1)
    if not isinstance(value, list) or len(value) != 2:
        return None
    shard_id, count = value
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (shard_id, count)):
        return None
    return (shard_id, count) if count >= 1 and 0 <= shard_id < count else None
