"""Answering a command whether or not it was deferred, and deferring one that is slow.

Discord gives an interaction 3 s for its first answer. A command that may wait longer than about
a second (a write queued behind another write's lock) is declared with ``extras=DEFERS_PUBLIC``
or ``extras=DEFERS_PRIVATE``: if it has not answered after ``AUTO_DEFER_SECONDS``, the bot
defers it ("launchbot is thinking...", with the visibility its answer will have), and ``reply``
then turns the answer into the follow-up that replaces that message. A command that answers in
time costs no extra request. ``reply`` and the deferral take turns through a lock, so they never
both answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.app.in_flight import InFlight

log = logging.getLogger("launchbot.replies")

AUTO_DEFER_SECONDS = 1.0
AUTO_DEFER_FLOOR = 0.25
_DEFER = "launchbot.auto_defer"
_STATE = "launchbot.answer"
DEFERS_PUBLIC: dict[str, Any] = {_DEFER: "public"}
DEFERS_PRIVATE: dict[str, Any] = {_DEFER: "ephemeral"}


@dataclass
class _Answer:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    deferred_ephemeral: bool | None = None
    replaced_thinking: bool = False


def _answer(interaction: discord.Interaction) -> _Answer:
    state = interaction.extras.get(_STATE)
    if not isinstance(state, _Answer):
        state = interaction.extras[_STATE] = _Answer()
    return state


def arm_auto_defer(interaction: discord.Interaction, in_flight: InFlight) -> None:
    """Called from the command's own task before it runs; a no-op for commands not declared."""
    command = interaction.command
    visibility = command.extras.get(_DEFER) if command is not None else None
    if visibility is not None:
        defer_if_slow(interaction, in_flight, ephemeral=visibility == "ephemeral")


def defer_if_slow(
    interaction: discord.Interaction,
    in_flight: InFlight,
    *,
    ephemeral: bool,
    after: float = AUTO_DEFER_SECONDS,
) -> None:
    """From the interaction's own task (a command's, or a button's that writes): defers it if it
    has not answered once it is ``after`` seconds old; answer it with ``reply``. Discord counts
    its 3 s from the interaction's creation, so one that reached the bot late (a busy moment) is
    deferred sooner, but never sooner than ``AUTO_DEFER_FLOOR`` after it starts."""
    _defer_later(
        interaction, in_flight, after, lambda: _defer_if_unanswered(interaction, ephemeral)
    )


def defer_update_if_slow(
    interaction: discord.Interaction, in_flight: InFlight, after: float = AUTO_DEFER_SECONDS
) -> None:
    """As ``defer_if_slow``, for a button whose answer edits the message it is on: the deferral
    says the message will be edited (no "thinking" message); answer with ``update_message``."""
    _defer_later(interaction, in_flight, after, lambda: _defer_update_if_unanswered(interaction))


def _defer_later(
    interaction: discord.Interaction,
    in_flight: InFlight,
    after: float,
    deferral: Callable[[], Coroutine[Any, Any, None]],
) -> None:
    task = asyncio.current_task()
    if task is None:
        return
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    delay = max(AUTO_DEFER_FLOOR, after - max(0.0, age))

    def fire() -> None:
        if not interaction.response.is_done():
            in_flight.adopt(asyncio.create_task(deferral()), "auto-defer")

    timer = asyncio.get_running_loop().call_later(delay, fire)
    task.add_done_callback(lambda _: timer.cancel())


async def _defer_if_unanswered(interaction: discord.Interaction, ephemeral: bool) -> None:
    state = _answer(interaction)
    async with state.lock:
        if interaction.response.is_done():
            return
        try:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        except discord.HTTPException as exc:
            log.warning("could not defer a slow command: %s", exc)
            return
        state.deferred_ephemeral = ephemeral
        command = interaction.command.qualified_name if interaction.command else "?"
        log.info("deferred /%s: no answer after %.1f s", command, AUTO_DEFER_SECONDS)


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = False,
    **message: Any,
) -> int | None:
    """The command's answer: the response, or after a deferral the follow-up that replaces the
    "thinking" message. A private answer to a public deferral removes the public message first,
    so what was meant for one member is never shown to the channel. Returns the id of the
    message the answer is, when Discord says it."""
    state = _answer(interaction)
    async with state.lock:
        if not interaction.response.is_done():
            sent = await interaction.response.send_message(content, ephemeral=ephemeral, **message)
            return sent.message_id
        thinking = state.deferred_ephemeral is not None and not state.replaced_thinking
        state.replaced_thinking = True
        if thinking and ephemeral and not state.deferred_ephemeral:
            await interaction.delete_original_response()
        if content is not None:
            message["content"] = content
        followed = await interaction.followup.send(ephemeral=ephemeral, wait=True, **message)
        return followed.id


async def _defer_update_if_unanswered(interaction: discord.Interaction) -> None:
    state = _answer(interaction)
    async with state.lock:
        if interaction.response.is_done():
            return
        try:
            await interaction.response.defer()
        except discord.HTTPException as exc:
            log.warning("could not defer a slow button: %s", exc)
            return
        log.info("deferred a button: no answer after %.1f s", AUTO_DEFER_SECONDS)


async def update_message(interaction: discord.Interaction, **fields: Any) -> None:
    """A button's answer that edits the message it is on, whether or not it was deferred."""
    async with _answer(interaction).lock:
        if not interaction.response.is_done():
            await interaction.response.edit_message(**fields)
        else:
            await interaction.edit_original_response(**fields)
