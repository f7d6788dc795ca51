"""What the log redacts: the bot token, and interaction tokens wherever discord.py writes them."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import JsonFormatter, RedactFilter

INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnNlY3JldA-_x"


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            f"POST https://discord.com/api/v10/interactions/123/{INTERACTION_TOKEN}/callback",
            "POST https://discord.com/api/v10/interactions/123/[redacted]/callback",
        ),
        (
            f"PATCH https://discord.com/api/v10/webhooks/77/{INTERACTION_TOKEN}/messages/@original",
            "PATCH https://discord.com/api/v10/webhooks/77/[redacted]/messages/@original",
        ),
        (
            f"POST /api/v10/webhooks/77/{INTERACTION_TOKEN}?wait=true",
            "POST /api/v10/webhooks/77/[redacted]?wait=true",
        ),
        (
            f"Event: {{'t': 'INTERACTION_CREATE', 'd': {{'token': '{INTERACTION_TOKEN}'}}}}",
            "Event: {'t': 'INTERACTION_CREATE', 'd': {'token': '[redacted]'}}",
        ),
        ("bot token bot.secret.value in a message", "bot token [redacted] in a message"),
    ],
)
def test_tokens_are_redacted_in_text_and_json(message: str, shown: str) -> None:
    record = logging.LogRecord("discord.http", logging.DEBUG, __file__, 1, "%s", (message,), None)
    assert RedactFilter(["bot.secret.value"]).filter(record)
    assert record.getMessage() == shown
    assert json.loads(JsonFormatter().format(record))["message"] == shown
