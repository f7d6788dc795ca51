"""The poll endpoints (https://discord.com/developers/docs/resources/poll#poll-endpoints):
answer voters (paged by user id), ending a poll early, and the vote endpoint apps may not use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from . import payloads
from .constants import ErrorCode, Perm
from .errors import DiscordError, FormErrors, json_response, missing_permissions, not_found
from .messages import MessageRecord
from .rest_messages import message_for, require
from .router import RequestContext, Router

if TYPE_CHECKING:
    from .server import Emulator

POLL = "/channels/{channel_id}/polls/{message_id}"
MAX_VOTERS_PAGE = 100
DEFAULT_VOTERS_PAGE = 25


def register(router: Router, emu: Emulator) -> None:
    world, store, polls = emu.state, emu.message_store, emu.polls

    def poll_message(ctx: RequestContext) -> tuple[MessageRecord, int | None]:
        msg, _, perms = message_for(world, store, ctx)
        return msg, perms

    async def answer_voters(ctx: RequestContext) -> web.Response:
        msg, perms = poll_message(ctx)
        require(perms, Perm.READ_MESSAGE_HISTORY)
        if msg.poll is None:
            raise not_found(ErrorCode.UNKNOWN_MESSAGE, "Message")
        answer_id = ctx.int_param("answer_id")
        after, limit = _voters_query(ctx)
        voters = msg.poll_votes.get(answer_id)
        if voters is None:
            errors = FormErrors()
            errors.add(("answer_id",), "POLL_ANSWER_UNKNOWN", f"Unknown poll answer {answer_id}.")
            raise errors.error()
        page = sorted(v for v in voters if v > after)[:limit]
        users = [u for u in map(world.user, page) if u is not None]
        return json_response({"users": [payloads.user(u) for u in users]})

    async def expire(ctx: RequestContext) -> web.Response:
        msg, _ = poll_message(ctx)
        if msg.poll is None:
            raise DiscordError(
                400, ErrorCode.CANNOT_EXPIRE_NON_POLL_MESSAGE, "Cannot expire a non-poll message"
            )
        if msg.author.id != world.bot.id:
            raise missing_permissions()
        if msg.poll_finalized:
            raise DiscordError(400, ErrorCode.POLL_EXPIRED, "Poll expired")
        polls.end(msg, early=True)
        return json_response(msg.payload())

    async def vote(ctx: RequestContext) -> web.Response:
        raise DiscordError(403, ErrorCode.BOTS_CANNOT_USE_ENDPOINT, "Bots cannot use this endpoint")

    router.add("GET", POLL + "/answers/{answer_id}", answer_voters)
    router.add("POST", POLL + "/expire", expire)
    router.add("PUT", POLL + "/answers/@me", vote)


def _voters_query(ctx: RequestContext) -> tuple[int, int]:
    """``after`` (a user id, default 0) and ``limit`` (1-100, default 25), or 400 50035."""
    query = ctx.request.query
    errors = FormErrors()
    after = 0
    if "after" in query:
        try:
            after = int(query["after"])
        except ValueError:
            errors.add(
                ("after",), "NUMBER_TYPE_COERCE", f'Value "{query["after"]}" is not snowflake.'
            )
    limit = DEFAULT_VOTERS_PAGE
    if "limit" in query:
        try:
            limit = int(query["limit"])
        except ValueError:
            errors.add(("limit",), "NUMBER_TYPE_COERCE", f'Value "{query["limit"]}" is not int.')
        else:
            if limit < 1:
                errors.add(
                    ("limit",), "NUMBER_TYPE_MIN", "int value should be greater than or equal to 1."
                )
            elif limit > MAX_VOTERS_PAGE:
                errors.add(
                    ("limit",),
                    "NUMBER_TYPE_MAX",
                    f"int value should be less than or equal to {MAX_VOTERS_PAGE}.",
                )
    errors.raise_if_any()
    return after, limit
