"""Every kind of command failure becomes a clear sentence; anything else an error id."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from bot.app.command_errors import explain
from bot.domain.errors import InvalidDate, InvalidInput, LaunchNotFound, NotAllowed

COMMAND = SimpleNamespace(name="about")
TRANSFORMER = SimpleNamespace(_error_display_name="integer")


class _Response:
    status, reason = 403, "Forbidden"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (LaunchNotFound("There is no launch #4 in this server."), "There is no launch #4"),
        (app_commands.CommandInvokeError(COMMAND, InvalidDate("Bad date.")), "Bad date."),  # type: ignore[arg-type]
        (app_commands.MissingPermissions(["manage_events"]), "Manage Events permission"),
        (app_commands.BotMissingPermissions(["embed_links"]), "I need the Embed Links"),
        (app_commands.MissingRole("Editors"), "don't have the role"),
        (app_commands.NoPrivateMessage(), "only works in a server"),
        (app_commands.CommandOnCooldown(app_commands.Cooldown(1, 30), 12.4), "try again in 12 s"),
        (
            app_commands.TransformerError(
                "abc",
                discord.AppCommandOptionType.integer,
                TRANSFORMER,  # type: ignore[arg-type]
            ),
            '"abc" is not a valid integer',
        ),
        (app_commands.CheckFailure(), "can't use this command here"),
        (discord.Forbidden(_Response(), "Missing Access"), "missing a permission"),  # type: ignore[arg-type]
    ],
)
def test_expected_failures_are_explained(error: Exception, expected: str) -> None:
    explanation = explain(error)
    assert expected in explanation.message
    assert explanation.error_id is None


def test_unexpected_failures_get_an_error_id() -> None:
    first = explain(app_commands.CommandInvokeError(COMMAND, KeyError("x")))  # type: ignore[arg-type]
    second = explain(RuntimeError("boom"))
    assert first.error_id and second.error_id and first.error_id != second.error_id
    assert len(first.error_id) == 8 and first.message == ""


def test_messages_that_quote_what_was_typed_are_escaped() -> None:
    typed = InvalidInput('"[Free Nitro](https://evil.example/gift) @everyone" is not a day.')
    assert explain(typed).message == (
        '"\\[Free Nitro](https://evil.example/gift) @\u200beveryone" is not a day.'
    )


def test_the_bot_own_refusals_keep_the_editor_role_mention() -> None:
    refused = NotAllowed("Changing launches needs the Manage Events permission or the <@&42> role.")
    assert "<@&42>" in explain(refused).message
