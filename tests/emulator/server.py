"""The Discord emulator: an aiohttp server on 127.0.0.1 speaking REST v10 and the gateway.

async with Emulator(token="t0ken", granted_intents=0) as emu:
    guild = emu.state.add_guild("Phones")
    apply_endpoints(emu.api_base, emu.gateway_url)
    ...
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import (
    rest_commands,
    rest_events,
    rest_interactions,
    rest_messages,
    rest_meta,
    rest_polls,
)
from .bodies import Upload, read_body
from .commands import CommandStore, SyncRecord
from .errors import DiscordError, json_response, unauthorized
from .faults import FaultInjector
from .gateway import Gateway
from .injection import InjectionMixin
from .interaction_builders import InteractionBuilder
from .interactions import InteractionHandle, InteractionRegistry
from .messages import MessageRecord, MessageStore
from .models import Channel, Guild
from .poll_injection import PollInjectionMixin
from .polls import NativePolls
from .ratelimits import RateLimiter
from .recorder import RecordedRequest, RequestLog, RoutePattern
from .router import RequestContext, RouteDef, Router
from .world import World

DEFAULT_TOKEN = "emulator.bot.token"


def _intents_value(intents: Any) -> int:
    return int(getattr(intents, "value", intents) or 0)


class Emulator(InjectionMixin, PollInjectionMixin):
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        granted_intents: Any = 0,
        bot_name: str = "LaunchBot",
        interaction_response_timeout: float = 3.0,
        interaction_token_ttl: float = 15 * 60.0,
        heartbeat_interval: float = 41.25,
        global_rate_limit: tuple[int, float] = (50, 1.0),
        message_rate_limit: tuple[int, float] = (5, 5.0),
        default_rate_limit: tuple[int, float] = (50, 1.0),
        nonce_window: float = 300.0,
        shard_count: int = 1,
        max_guilds_per_shard: int = 2500,
        host: str = "127.0.0.1",
    ) -> None:
        """``token``: the only bot token accepted (REST 401 / gateway close 4004 otherwise).
        ``granted_intents``: the privileged intents enabled for the app (an int or a
        ``discord.Intents``); asking for others at IDENTIFY closes the gateway with 4014."""
        self.token = token
        self.granted_intents = _intents_value(granted_intents)
        self.shard_count = shard_count
        self.host = host
        self.port: int | None = None
        self.state = World(bot_name=bot_name)
        self.log = RequestLog()
        self.faults = FaultInjector()
        self.rate_limits = RateLimiter(
            global_limit=global_rate_limit,
            message_limit=message_rate_limit,
            default_limit=default_rate_limit,
        )
        self.gateway = Gateway(
            self.state,
            token=lambda: self.token,
            granted_intents=lambda: self.granted_intents,
            resume_url=lambda: self.resume_gateway_url,
            heartbeat_interval=heartbeat_interval,
            max_guilds_per_shard=max_guilds_per_shard,
        )
        self.state.listener = self.gateway.world_changed
        self.message_store = MessageStore(
            self.state, self._dispatch_message, lambda: self.base_url, nonce_window
        )
        self.polls = NativePolls(self.state, self.message_store, self.gateway)
        self.command_store = CommandStore(self.state)
        self.interaction_registry = InteractionRegistry(
            response_timeout=interaction_response_timeout, token_ttl=interaction_token_ttl
        )
        self.builder = InteractionBuilder(self.state, self.command_store)
        self.router = Router()
        for module in (
            rest_meta,
            rest_commands,
            rest_messages,
            rest_polls,
            rest_interactions,
            rest_events,
        ):
            module.register(self.router, self)
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------- lifecycle

    async def start(self) -> Emulator:
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_route("*", r"/api/v{version:\d+}{tail:/.*}", self._api)
        for path in ("/gateway", "/gateway/", "/gateway-resume", "/gateway-resume/"):
            app.router.add_get(path, self._gateway)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def listen_also(self, port: int) -> None:
        """Serves on a second port too (say, one a client was refused on until now)."""
        if self._runner is None:
            raise RuntimeError("the emulator is not started")
        await web.TCPSite(self._runner, self.host, port).start()

    async def another_address(self) -> str:
        """Serves on one more free port too, and returns its API base: give each of several bot
        processes its own, and ``RecordedRequest.port`` tells whose request each was."""
        if self._runner is None:
            raise RuntimeError("the emulator is not started")
        sock = socket.socket()
        sock.bind((self.host, 0))
        await web.SockSite(self._runner, sock).start()
        return f"http://{self.host}:{sock.getsockname()[1]}/api/v10"

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """READY's ``resume_gateway_url``: a distinct path, so tests can see clients use it."""
        return f"ws://{self.host}:{self.port}/gateway-resume"

    # ------------------------------------------------------------ observation

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.log.requests

    def request_cursor(self) -> int:
        return self.log.cursor()

    def requests_matching(
        self,
        method: str | None = None,
        route: RoutePattern = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        since: int = 0,
        status: int | None = None,
    ) -> list[RecordedRequest]:
        return self.log.matching(method, route, predicate, since=since, status=status)

    async def wait_for_request(
        self,
        method: str | None = None,
        route: RoutePattern = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        timeout: float = 15.0,
        since: int = 0,
        count: int = 1,
        status: int | None = None,
    ) -> RecordedRequest:
        return await self.log.wait_for(
            method, route, predicate, timeout=timeout, since=since, count=count, status=status
        )

    @property
    def messages(self) -> list[MessageRecord]:
        """Every message created (channel messages, DMs, interaction responses, follow-ups)."""
        return self.message_store.created

    def channel_messages(self, channel: Channel) -> list[MessageRecord]:
        return self.message_store.in_channel(channel.id)

    async def wait_for_message(
        self,
        predicate: Callable[[MessageRecord], bool] | None = None,
        *,
        channel: Channel | None = None,
        timeout: float = 15.0,
        since: int = 0,
    ) -> MessageRecord:
        def check() -> MessageRecord | None:
            for msg in self.message_store.created[since:]:
                if (channel is None or msg.channel_id == channel.id) and (
                    predicate is None or predicate(msg)
                ):
                    return msg
            return None

        return await self.message_store.notifier.wait_for(
            check, timeout, lambda: f"no matching message within {timeout}s"
        )

    @property
    def command_syncs(self) -> list[SyncRecord]:
        return self.command_store.syncs

    def commands(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        return list(self.command_store.scope(None if guild is None else guild.id))

    @property
    def interactions(self) -> list[InteractionHandle]:
        return self.interaction_registry.all

    # ------------------------------------------------------------ gateway faults

    async def drop_gateway(self, code: int | None = None) -> int:
        """Kill every gateway connection (no close frame unless ``code``); clients RESUME."""
        return await self.gateway.drop(code)

    # ------------------------------------------------------------------ REST

    def _dispatch_message(
        self, event: str, data: dict[str, Any], guild_id: int | None, intent: int, redact: bool
    ) -> None:
        self.gateway.dispatch(event, data, guild_id=guild_id, intent=intent, redact=redact)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """A fault on ``GET /gateway`` (or ``/gateway-resume``) refuses the WebSocket handshake."""
        refusal = self.faults.failure_for("GET", request.path.rstrip("/"), request.path)
        return refusal if refusal is not None else await self.gateway.handle(request)

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        att_id = int(request.match_info["attachment_id"])
        for msg in self.message_store.records.values():
            if att_id in msg.files:
                return web.Response(body=msg.files[att_id], content_type="application/octet-stream")
        return web.Response(status=404, text="not found")

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["tail"]
        route, params, path_known = self.router.resolve(request.method, path)
        try:
            body, uploads = await read_body(request)
            early: DiscordError | None = None
        except DiscordError as exc:
            body, uploads, early = None, [], exc
        record = self.log.add(
            RecordedRequest(
                method=request.method,
                route=route.template if route else "?",
                path=path,
                params=params,
                query=dict(request.query),
                headers=dict(request.headers),
                port=_local_port(request),
                json=body,
                files=[(u.filename, u.data) for u in uploads],
            )
        )
        try:
            response = await self._process(
                request, record, route, params, path_known, body, uploads, early
            )
        except DiscordError as exc:
            response = exc.response()
        self.log.finish(record, response.status, _body_of(response))
        return response

    async def _process(
        self,
        request: web.Request,
        record: RecordedRequest,
        route: RouteDef | None,
        params: dict[str, str],
        path_known: bool,
        body: Any,
        uploads: list[Upload],
        early: DiscordError | None,
    ) -> web.StreamResponse:
        method, template = request.method, record.route
        delay = self.faults.delay_for(method, template, record.path)
        if delay:
            await asyncio.sleep(delay)
        failure = self.faults.failure_for(method, template, record.path, record)
        if failure is not None:
            return failure
        if route is None:
            if path_known:
                return json_response({"message": "405: Method Not Allowed", "code": 0}, 405)
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
            raise unauthorized()
        if route.global_limit:
            limited = self.rate_limits.check_global(self.token)
            if limited is not None:
                return json_response(limited.body(), 429, limited.headers)
        headers, limited = self.rate_limits.acquire(method, template, params)
        if limited is not None:
            return json_response(limited.body(), 429, headers)
        if early is not None:
            raise early
        try:
            response = await route.handler(RequestContext(request, params, body, uploads, record))
        except DiscordError as exc:
            response = exc.response()
        response.headers.update(headers)
        return response


def _local_port(request: web.Request) -> int | None:
    """The emulator's port the request came in on."""
    transport = request.transport
    name = transport.get_extra_info("sockname") if transport is not None else None
    return int(name[1]) if isinstance(name, tuple) and len(name) >= 2 else None


def _body_of(response: web.StreamResponse) -> Any:
    if not isinstance(response, web.Response) or response.body is None:
        return None
    raw = response.body
    if not isinstance(raw, bytes | bytearray):
        return None
    if response.headers.get("Content-Type", "").startswith("application/json"):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw.decode(errors="replace")


__all__ = ["DEFAULT_TOKEN", "Emulator"]
