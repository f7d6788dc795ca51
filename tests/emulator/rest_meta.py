"""Users, application, gateway discovery, guild/channel/member reads and DM channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from . import payloads
from .constants import ErrorCode, Intent
from .errors import DiscordError, json_response, missing_access, not_found
from .models import Channel, Guild
from .router import RequestContext, Router

if TYPE_CHECKING:
    from .server import Emulator


def register(router: Router, emu: Emulator) -> None:
    world = emu.state

    def guild_for(ctx: RequestContext) -> Guild:
        guild = world.guild(ctx.int_param("guild_id"))
        if guild is None:
            raise not_found(ErrorCode.UNKNOWN_GUILD, "Guild")
        return guild

    def channel_for(ctx: RequestContext) -> Channel:
        channel = world.channel(ctx.int_param("channel_id"))
        if channel is None:
            raise not_found(ErrorCode.UNKNOWN_CHANNEL, "Channel")
        perms = world.bot_permissions(channel)
        if perms is not None and not perms & (1 << 10):
            raise missing_access()
        return channel

    async def me(ctx: RequestContext) -> web.Response:
        return json_response(payloads.self_user(world.bot))

    async def get_user(ctx: RequestContext) -> web.Response:
        user = world.user(ctx.int_param("user_id"))
        if user is None:
            raise not_found(ErrorCode.UNKNOWN_USER, "User")
        return json_response(payloads.user(user))

    async def application(ctx: RequestContext) -> web.Response:
        return json_response(payloads.application(world.application, bot=world.bot))

    async def gateway(ctx: RequestContext) -> web.Response:
        return json_response({"url": emu.gateway_url})

    async def gateway_bot(ctx: RequestContext) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
        return json_response(
            {"url": emu.gateway_url, "shards": emu.shard_count, "session_start_limit": limit}
        )

    async def my_guilds(ctx: RequestContext) -> web.Response:
        data = [
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(world.permissions(g, world.bot_member(g))),
                "features": g.features,
            }
            for g in world.guilds.values()
        ]
        return json_response(data)

    async def get_guild(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        data = payloads.guild(guild)
        if ctx.query_flag("with_counts"):
            data.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return json_response(data)

    async def guild_channels(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        return json_response([payloads.channel(c) for c in guild.channels.values()])

    async def guild_roles(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        return json_response([payloads.role(r) for r in guild.roles.values()])

    async def guild_member(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        member = guild.members.get(ctx.int_param("user_id"))
        if member is None:
            raise not_found(ErrorCode.UNKNOWN_MEMBER, "Member")
        return json_response(payloads.member(member))

    async def guild_members(ctx: RequestContext) -> web.Response:
        guild = guild_for(ctx)
        if not emu.granted_intents & Intent.GUILD_MEMBERS:
            raise missing_access()
        limit = int(ctx.request.query.get("limit", 1))
        after = int(ctx.request.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return json_response([payloads.member(m) for m in members[:limit]])

    async def get_channel(ctx: RequestContext) -> web.Response:
        return json_response(payloads.channel(channel_for(ctx)))

    async def open_dm(ctx: RequestContext) -> web.Response:
        recipient = ctx.json().get("recipient_id")
        user = None if recipient is None else world.user(recipient)
        if user is None:
            raise DiscordError(
                400,
                ErrorCode.INVALID_FORM_BODY,
                "Invalid Form Body",
                {
                    "recipient_id": {
                        "_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "Unknown user"}]
                    }
                },
            )
        return json_response(payloads.channel(world.dm_channel(user)))

    async def typing(ctx: RequestContext) -> web.Response:
        channel_for(ctx)
        return web.Response(status=204, headers={"Via": "1.1 google"})

    router.add("GET", "/users/@me", me)
    router.add("GET", "/users/@me/guilds", my_guilds)
    router.add("POST", "/users/@me/channels", open_dm)
    router.add("GET", "/users/{user_id}", get_user)
    router.add("GET", "/oauth2/applications/@me", application)
    router.add("GET", "/applications/@me", application)
    router.add("GET", "/gateway", gateway, auth=False)
    router.add("GET", "/gateway/bot", gateway_bot)
    router.add("GET", "/guilds/{guild_id}", get_guild)
    router.add("GET", "/guilds/{guild_id}/channels", guild_channels)
    router.add("GET", "/guilds/{guild_id}/roles", guild_roles)
    router.add("GET", "/guilds/{guild_id}/members", guild_members)
    router.add("GET", "/guilds/{guild_id}/members/{user_id}", guild_member)
    router.add("GET", "/channels/{channel_id}", get_channel)
    router.add("POST", "/channels/{channel_id}/typing", typing)
