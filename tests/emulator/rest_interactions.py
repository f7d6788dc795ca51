"""Interaction callbacks, follow-ups and the @original / follow-up message endpoints."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import payloads
from .constants import (
    CallbackType,
    CommandType,
    ErrorCode,
    InteractionType,
    MessageFlag,
    MessageType,
)
from .errors import (
    DiscordError,
    FormErrors,
    already_acknowledged,
    empty_response,
    json_response,
    not_found,
    unknown_interaction,
)
from .interactions import CallbackRecord, InteractionHandle
from .messages import MessageRecord
from .rest_messages import refuse_poll_edit
from .router import RequestContext, Router
from .validation import raise_if_empty, validate_autocomplete, validate_message, validate_modal

if TYPE_CHECKING:
    from .server import Emulator

WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
ALLOWED = {
    InteractionType.APPLICATION_COMMAND: {4, 5, 9, 12},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE: {8},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}
Handler = Callable[[RequestContext], Awaitable[web.StreamResponse]]


def register(router: Router, emu: Emulator) -> None:
    world, store, registry = emu.state, emu.message_store, emu.interaction_registry

    def tracked(
        find: Callable[[RequestContext], InteractionHandle | None], handler: Handler
    ) -> Handler:
        """Records the bot's rejected requests on the interaction's handle."""

        async def wrapper(ctx: RequestContext) -> web.StreamResponse:
            try:
                return await handler(ctx)
            except DiscordError as exc:
                handle = find(ctx)
                if handle is not None:
                    handle.errors.append((ctx.record.route, exc.status, exc.code))
                    handle.changed()
                raise

        return wrapper

    def by_callback(ctx: RequestContext) -> InteractionHandle | None:
        handle = registry.by_id.get(int(ctx.params["interaction_id"]))
        return (
            handle
            if handle is not None and handle.token == ctx.params["interaction_token"]
            else None
        )

    def by_webhook(ctx: RequestContext) -> InteractionHandle | None:
        if ctx.params["webhook_id"] != str(world.application.id):
            return None
        return registry.by_token.get(ctx.params["webhook_token"])

    def webhook_handle(ctx: RequestContext) -> InteractionHandle:
        handle = by_webhook(ctx)
        if handle is None or handle.response is None:
            raise not_found(ErrorCode.UNKNOWN_WEBHOOK, "Webhook")
        if registry.token_expired(handle):
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return handle

    def metadata(handle: InteractionHandle) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(handle.id),
            "type": handle.type,
            "user": payloads.user(handle.user),
            "authorizing_integration_owners": handle.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if handle.type == InteractionType.APPLICATION_COMMAND:
            data["name"] = handle.payload["data"]["name"]
            data["command_type"] = handle.payload["data"].get("type", 1)
        if handle.source_message is not None:
            data["interacted_message_id"] = str(handle.source_message.id)
        return data

    def new_message(
        handle: InteractionHandle, body: dict[str, Any], ctx: RequestContext, flags: int
    ) -> MessageRecord:
        mtype = MessageType.DEFAULT
        if handle.type == InteractionType.APPLICATION_COMMAND:
            ctype = handle.payload["data"].get("type", 1)
            mtype = (
                MessageType.CHAT_INPUT_COMMAND
                if ctype == CommandType.CHAT_INPUT
                else MessageType.CONTEXT_MENU_COMMAND
            )
        return store.create(
            handle.channel,
            world.bot,
            body,
            ctx.uploads,
            webhook_id=world.application.id,
            interaction_metadata=metadata(handle),
            interaction_id=handle.id,
            type=mtype,
            extra_flags=flags,
        )

    def check_message(
        body: dict[str, Any], ctx: RequestContext, prefix: tuple[str, ...] = ()
    ) -> None:
        errors = FormErrors()
        validate_message(body, errors, prefix)
        errors.raise_if_any()

    async def callback(ctx: RequestContext) -> web.StreamResponse:
        handle = by_callback(ctx)
        if handle is None or registry.token_expired(handle):
            raise unknown_interaction()
        if handle.response is not None:
            raise already_acknowledged()
        if registry.response_late(handle):
            raise unknown_interaction()
        body = ctx.json()
        ctype, data = int(body.get("type", 0)), body.get("data") or {}
        if ctype not in ALLOWED.get(InteractionType(handle.type), set()) or (
            ctype in (6, 7) and handle.source_message is None
        ):
            raise DiscordError(
                400,
                ErrorCode.INVALID_FORM_BODY,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_CALLBACK_TYPE_INVALID",
                                "message": f"Callback type {ctype} is not valid for "
                                f"interaction type {handle.type}",
                            }
                        ]
                    }
                },
            )
        errors = FormErrors()
        message: MessageRecord | None = None
        ephemeral = (
            MessageFlag.EPHEMERAL if int(data.get("flags") or 0) & MessageFlag.EPHEMERAL else 0
        )
        if ctype in (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, CallbackType.UPDATE_MESSAGE):
            validate_message(data, errors, ("data",))
        elif ctype == CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            validate_autocomplete(data, errors, ("data",))
        elif ctype == CallbackType.MODAL:
            validate_modal(data, errors, ("data",))
        errors.raise_if_any()
        if ctype == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
            raise_if_empty({**data, "attachments": data.get("attachments") or ctx.uploads})
            message = new_message(handle, data, ctx, ephemeral)
        elif ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            message = new_message(handle, {}, ctx, ephemeral | MessageFlag.LOADING)
        elif ctype == CallbackType.UPDATE_MESSAGE:
            assert handle.source_message is not None
            message = store.edit(handle.source_message, data, ctx.uploads)
        elif ctype == CallbackType.DEFERRED_UPDATE_MESSAGE:
            message = handle.source_message
        if ctype in (4, 5, 6, 7):
            handle.original = message
        handle.response = CallbackRecord(ctype, data, message)
        handle.changed()
        if not ctx.query_flag("with_response"):
            return empty_response()
        info: dict[str, Any] = {"id": str(handle.id), "type": handle.type}
        resource: dict[str, Any] = {"type": ctype}
        if message is not None and ctype != CallbackType.DEFERRED_UPDATE_MESSAGE:
            info.update(
                response_message_id=str(message.id),
                response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral,
            )
            if ctype in (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, CallbackType.UPDATE_MESSAGE):
                resource["message"] = message.payload()
        return json_response({"interaction": info, "resource": resource})

    async def followup(ctx: RequestContext) -> web.StreamResponse:
        handle = webhook_handle(ctx)
        body = ctx.json()
        check_message(body, ctx)
        raise_if_empty({**body, "attachments": body.get("attachments") or ctx.uploads})
        original = handle.original
        if (
            original is not None
            and original.loading
            and not original.deleted
            and not handle.followups
            and handle.response
            and handle.response.type == 5
        ):
            # The first follow-up after a deferred response replaces the "thinking..." message
            # (its ephemerality is the defer's, whatever the follow-up asks). Once that message
            # is deleted, a follow-up is a new message with its own flags.
            msg = store.edit(original, {k: v for k, v in body.items() if k != "flags"}, ctx.uploads)
        else:
            ephemeral = (
                MessageFlag.EPHEMERAL if int(body.get("flags") or 0) & MessageFlag.EPHEMERAL else 0
            )
            msg = new_message(handle, body, ctx, ephemeral)
            msg.type = MessageType.DEFAULT
        handle.followups.append(msg)
        handle.changed()
        if not ctx.query_flag("wait"):
            return empty_response()
        return json_response(msg.payload())

    def target(ctx: RequestContext, handle: InteractionHandle) -> MessageRecord:
        message_id = ctx.params.get("message_id")
        if message_id is None:
            msg = handle.original
        else:
            candidates = [*handle.followups, *([handle.original] if handle.original else [])]
            msg = next((m for m in candidates if str(m.id) == message_id), None)
        if msg is None or msg.deleted:
            raise not_found(ErrorCode.UNKNOWN_MESSAGE, "Message")
        return msg

    async def get_message(ctx: RequestContext) -> web.Response:
        handle = webhook_handle(ctx)
        return json_response(target(ctx, handle).payload())

    async def edit_message(ctx: RequestContext) -> web.Response:
        handle = webhook_handle(ctx)
        msg = target(ctx, handle)
        body = ctx.json()
        refuse_poll_edit(msg, body)
        check_message(body, ctx)
        merged = {
            k: getattr(msg, k) for k in ("content", "embeds", "components", "attachments", "poll")
        }
        merged.update(body)
        if not msg.loading:
            raise_if_empty({**merged, "attachments": merged.get("attachments") or ctx.uploads})
        edited = store.edit(msg, body, ctx.uploads)
        handle.changed()
        return json_response(edited.payload())

    async def delete_message(ctx: RequestContext) -> web.StreamResponse:
        handle = webhook_handle(ctx)
        store.delete(target(ctx, handle))
        handle.changed()
        return empty_response()

    router.add(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        tracked(by_callback, callback),
        auth=False,
        global_limit=False,
    )
    router.add("POST", WEBHOOK, tracked(by_webhook, followup), auth=False, global_limit=False)
    for suffix in ("/messages/@original", "/messages/{message_id}"):
        router.add(
            "GET",
            WEBHOOK + suffix,
            tracked(by_webhook, get_message),
            auth=False,
            global_limit=False,
        )
        router.add(
            "PATCH",
            WEBHOOK + suffix,
            tracked(by_webhook, edit_message),
            auth=False,
            global_limit=False,
        )
        router.add(
            "DELETE",
            WEBHOOK + suffix,
            tracked(by_webhook, delete_message),
            auth=False,
            global_limit=False,
        )
