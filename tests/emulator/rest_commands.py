"""Application commands: global and per-guild list / create / bulk overwrite / edit / delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .commands import validate_command, validate_commands
from .constants import ErrorCode
from .errors import (
    DiscordError,
    FormErrors,
    empty_response,
    json_response,
    missing_access,
    not_found,
)
from .router import RequestContext, Router

if TYPE_CHECKING:
    from .server import Emulator

GLOBAL = "/applications/{application_id}/commands"
GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"


def register(router: Router, emu: Emulator) -> None:
    store = emu.command_store

    def scope(ctx: RequestContext) -> int | None:
        if ctx.int_param("application_id") != emu.state.application.id:
            raise missing_access()
        if "guild_id" not in ctx.params:
            return None
        guild_id = ctx.int_param("guild_id")
        if emu.state.guild(guild_id) is None:
            raise missing_access()
        return guild_id

    def command(ctx: RequestContext, guild_id: int | None) -> dict[str, Any]:
        found = store.get(guild_id, ctx.int_param("command_id"))
        if found is None:
            raise not_found(ErrorCode.UNKNOWN_APPLICATION_COMMAND, "application command")
        return found

    async def list_commands(ctx: RequestContext) -> web.Response:
        return json_response(store.scope(scope(ctx)))

    async def bulk_overwrite(ctx: RequestContext) -> web.Response:
        guild_id = scope(ctx)
        items = ctx.body
        if not isinstance(items, list):
            raise DiscordError(
                400,
                ErrorCode.INVALID_FORM_BODY,
                "Invalid Form Body",
                {
                    "_errors": [
                        {
                            "code": "LIST_TYPE_CONVERT",
                            "message": "Only iterables may be used in a ListType",
                        }
                    ]
                },
            )
        errors = FormErrors()
        validate_commands(items, errors)
        errors.raise_if_any()
        return json_response(store.bulk_overwrite(guild_id, items))

    async def create(ctx: RequestContext) -> web.Response:
        guild_id = scope(ctx)
        errors = FormErrors()
        validate_command(ctx.json(), errors)
        errors.raise_if_any()
        created, is_new = store.upsert(guild_id, ctx.json())
        return json_response(created, 201 if is_new else 200)

    async def get_one(ctx: RequestContext) -> web.Response:
        return json_response(command(ctx, scope(ctx)))

    async def edit(ctx: RequestContext) -> web.Response:
        guild_id = scope(ctx)
        current = command(ctx, guild_id)
        merged = {**current, **ctx.json()}
        errors = FormErrors()
        validate_command(merged, errors)
        errors.raise_if_any()
        commands = store.scope(guild_id)
        updated = store.build(merged, guild_id, current)
        commands[commands.index(current)] = updated
        return json_response(updated)

    async def delete(ctx: RequestContext) -> web.StreamResponse:
        guild_id = scope(ctx)
        store.scope(guild_id).remove(command(ctx, guild_id))
        return empty_response()

    async def permissions(ctx: RequestContext) -> web.Response:
        scope(ctx)
        return json_response([])

    for base in (GLOBAL, GUILD):
        router.add("GET", base, list_commands)
        router.add("PUT", base, bulk_overwrite)
        router.add("POST", base, create)
        if base == GUILD:
            router.add("GET", base + "/permissions", permissions)
        router.add("GET", base + "/{command_id}", get_one)
        router.add("PATCH", base + "/{command_id}", edit)
        router.add("DELETE", base + "/{command_id}", delete)
