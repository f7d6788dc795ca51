"""Logging: readable text by default, JSON lines on request; the token is never written."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Interaction tokens let anyone answer as the bot for 15 minutes: discord.py logs them at DEBUG
# in callback and webhook URLs and in the gateway payloads it receives.
_INTERACTION_TOKENS = re.compile(
    r"""(?P<keep>/(?:interactions|webhooks)/\d+/|['"]token['"]:\s*['"])[^/\s'"?]+"""
)


class RedactFilter(logging.Filter):
    """Replaces the given secrets, and every interaction token, in a record's final message."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return _INTERACTION_TOKENS.sub(r"\g<keep>[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = self.redact(text), None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("guild_id", "user_id", "command", "latency_ms", "error_id"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["trace"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["trace"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


def setup_logging(level: str, fmt: str, secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
