"""Logging: readable text by default, JSON lines on request; the token is never written.

In JSON mode every line on standard error is a JSON object: the log's, the command line's own
messages (``tell``), warnings, and exceptions nobody caught (``log_what_escapes``)."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType

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


QUIET_BELOW_DEBUG = ("alembic", "apscheduler")
"""Libraries whose INFO lines narrate routine work: each migration step, and each scheduler job
added, run and removed (four lines per scheduled post's wake-up, 80 a second while posts go
out). Their warnings and errors still show; LAUNCHBOT_LOG_LEVEL=DEBUG shows everything."""


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
    logging.captureWarnings(True)
    for chatty in QUIET_BELOW_DEBUG:  # set either way: a second call may lower the level
        logging.getLogger(chatty).setLevel(logging.NOTSET if level == "DEBUG" else logging.WARNING)


def json_mode() -> bool:
    return any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers)


def tell(message: str, level: int = logging.ERROR, *, prefixed: bool = True) -> None:
    """A message for the operator on standard error, whatever the log level: as text (after
    ``launchbot: `` when ``prefixed``), or as a JSON line through the log's handler (so
    redacted too)."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    if not handlers:
        sys.stderr.write(f"launchbot: {message}\n" if prefixed else f"{message}\n")
        sys.stderr.flush()
        return
    record = logging.LogRecord("launchbot.cli", level, __file__, 0, "%s", (message,), None)
    for handler in handlers:
        handler.handle(record)


def log_what_escapes() -> None:
    """Exceptions nobody caught (in the main thread or another) and those Python can only
    ignore (in a destructor, say) go to the log instead of straight to standard error."""
    crash = logging.getLogger("launchbot.crash")

    def uncaught(
        kind: type[BaseException], value: BaseException, trace: TracebackType | None
    ) -> None:
        crash.critical("uncaught %s: %s", kind.__name__, value, exc_info=(kind, value, trace))

    def in_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread else "?"
        crash.error(
            "uncaught %s in thread %s: %s", args.exc_type.__name__, name, args.exc_value,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )  # fmt: skip

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        where = info.err_msg or "Exception ignored in"
        crash.error(
            "%s: %r", where, info.object,
            exc_info=(info.exc_type, info.exc_value, info.exc_traceback)
            if info.exc_value is not None else None,
        )  # fmt: skip

    sys.excepthook = uncaught
    threading.excepthook = in_thread
    sys.unraisablehook = unraisable
