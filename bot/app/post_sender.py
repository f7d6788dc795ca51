"""Sends a scheduled post to a channel with a nonce Discord enforces, so a post sent again after
a crash (its first send may have landed before the process died) is dropped by Discord."""

from __future__ import annotations

from typing import Any

import discord
from discord.http import handle_message_parameters
from discord.utils import MISSING

from bot.render.scheduled_posts import OutgoingPost


def nonce_of(post_id: int) -> str:
    return f"lbp{post_id}"


async def send_post(
    client: discord.Client, channel_id: int, post_id: int, out: OutgoingPost
) -> int:
    """Returns the message id; raises ``discord.HTTPException`` when Discord refuses."""
    reference: Any = (
        MISSING
        if out.reply_to is None
        else {"message_id": str(out.reply_to), "channel_id": str(channel_id),
              "fail_if_not_exists": False}
    )  # fmt: skip
    with handle_message_parameters(
        content=out.content,
        nonce=nonce_of(post_id),
        allowed_mentions=out.allowed_mentions,
        view=out.view,
        message_reference=reference,
    ) as params:
        assert params.payload is not None
        params.payload["enforce_nonce"] = True
        data = await client.http.send_message(channel_id, params=params)
    return int(data["id"])
