"""Discord's size limits, and clean truncation so that nothing the bot sends is refused."""

from __future__ import annotations

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
FIELD_VALUE = 1024
FOOTER = 2048
EMBED_TOTAL = 6000
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
EVENT_NAME = 100
EVENT_DESCRIPTION = 1000
EVENT_LOCATION = 100


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut is marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
