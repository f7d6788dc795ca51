"""Channel and DM messages: create (with nonce dedupe), read, edit, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .constants import ChannelType, ErrorCode, Perm
from .errors import (
    DiscordError,
    FormErrors,
    empty_response,
    json_response,
    missing_access,
    missing_permissions,
    not_found,
)
from .messages import MessageRecord, MessageStore
from .models import Channel
from .router import RequestContext, Router
from .validation import raise_if_empty, validate_message
from .world import World

if TYPE_CHECKING:
    from .server import Emulator

MESSAGES = "/channels/{channel_id}/messages"


def channel_for(world: World, ctx: RequestContext) -> tuple[Channel, int | None]:
    """The route's channel and the bot's permissions there (None in DMs); 404 / 403 50001."""
    channel = world.channel(ctx.int_param("channel_id"))
    if channel is None:
        raise not_found(ErrorCode.UNKNOWN_CHANNEL, "Channel")
    perms = world.bot_permissions(channel)
    if perms is not None and not perms & Perm.VIEW_CHANNEL:
        raise missing_access()
    return channel, perms


def require(perms: int | None, bit: int) -> None:
    if perms is not None and not perms & bit:
        raise missing_permissions()


def message_for(
    world: World, store: MessageStore, ctx: RequestContext
) -> tuple[MessageRecord, Channel, int | None]:
    channel, perms = channel_for(world, ctx)
    msg = store.get(channel.id, ctx.int_param("message_id"))
    if msg.ephemeral:
        raise not_found(ErrorCode.UNKNOWN_MESSAGE, "Message")
    return msg, channel, perms


def refuse_poll_edit(msg: MessageRecord, body: dict[str, Any]) -> None:
    """A message with a poll cannot be edited (flags, e.g. suppressing embeds, aside)."""
    if msg.poll is not None and set(body) - {"flags"}:
        raise DiscordError(400, ErrorCode.CANNOT_EDIT_POLL_MESSAGE, "Cannot edit a poll message")


def register(router: Router, emu: Emulator) -> None:
    world, store = emu.state, emu.message_store

    def check_dm_recipient(channel: Channel) -> None:
        if channel.type != ChannelType.DM:
            return
        user = channel.recipients[0]
        shares_guild = any(user.id in g.members for g in world.guilds.values())
        if user.bot or not user.accepts_dms or not shares_guild:
            raise DiscordError(
                403, ErrorCode.CANNOT_SEND_TO_USER, "Cannot send messages to this user"
            )

    async def create(ctx: RequestContext) -> web.Response:
        channel, perms = channel_for(world, ctx)
        body = ctx.json()
        require(perms, Perm.SEND_MESSAGES)
        if ctx.uploads:
            require(perms, Perm.ATTACH_FILES)
        if body.get("poll"):
            require(perms, Perm.SEND_POLLS)
        if (
            body.get("message_reference")
            and perms is not None
            and not perms & Perm.READ_MESSAGE_HISTORY
        ):
            raise DiscordError(
                403, 160002, "Cannot reply without permission to read message history"
            )
        check_dm_recipient(channel)
        errors = FormErrors()
        validate_message(body, errors)
        errors.raise_if_any()
        raise_if_empty({**body, "attachments": body.get("attachments") or ctx.uploads})
        existing = store.find_by_nonce(channel, world.bot, body)
        if existing is not None:
            return json_response(existing.payload())
        msg = store.create(channel, world.bot, body, ctx.uploads)
        return json_response(msg.payload())

    async def list_messages(ctx: RequestContext) -> web.Response:
        channel, perms = channel_for(world, ctx)
        if perms is not None and not perms & Perm.READ_MESSAGE_HISTORY:
            return json_response([])
        query = ctx.request.query
        limit = max(1, min(100, int(query.get("limit", 50))))
        messages = store.in_channel(channel.id)
        if "before" in query:
            messages = [m for m in messages if m.id < int(query["before"])][-limit:]
        elif "after" in query:
            messages = [m for m in messages if m.id > int(query["after"])][:limit]
        elif "around" in query:
            pivot = int(query["around"])
            older = [m for m in messages if m.id <= pivot][-(limit // 2 + limit % 2) :]
            newer = [m for m in messages if m.id > pivot][: limit // 2]
            messages = older + newer
        else:
            messages = messages[-limit:]
        return json_response([m.payload() for m in reversed(messages)])

    async def get_message(ctx: RequestContext) -> web.Response:
        msg, _, perms = message_for(world, store, ctx)
        require(perms, Perm.READ_MESSAGE_HISTORY)
        return json_response(msg.payload())

    async def edit(ctx: RequestContext) -> web.Response:
        msg, _, _ = message_for(world, store, ctx)
        if msg.author.id != world.bot.id:
            body = ctx.json()
            if set(body) - {"flags"}:
                raise DiscordError(
                    403,
                    ErrorCode.CANNOT_EDIT_OTHERS_MESSAGE,
                    "Cannot edit a message authored by another user",
                )
        refuse_poll_edit(msg, ctx.json())
        errors = FormErrors()
        validate_message(ctx.json(), errors)
        errors.raise_if_any()
        merged = {
            k: getattr(msg, k) for k in ("content", "embeds", "components", "attachments", "poll")
        }
        merged.update(ctx.json())
        raise_if_empty({**merged, "attachments": merged.get("attachments") or ctx.uploads})
        return json_response(store.edit(msg, ctx.json(), ctx.uploads).payload())

    async def delete(ctx: RequestContext) -> web.StreamResponse:
        msg, _, perms = message_for(world, store, ctx)
        if msg.author.id != world.bot.id:
            require(perms, Perm.MANAGE_MESSAGES)
        store.delete(msg)
        return empty_response()

    router.add("GET", MESSAGES, list_messages)
    router.add("POST", MESSAGES, create)
    router.add("GET", MESSAGES + "/{message_id}", get_message)
    router.add("PATCH", MESSAGES + "/{message_id}", edit)
    router.add("DELETE", MESSAGES + "/{message_id}", delete)
