"""Logging for the entry points: readable lines for people, or one JSON object per line (LOG_FORMAT=json) for a
log pipeline. Configured by `learnbot …` only, never on import.

JSON lines carry the time, level, logger, message and the request or delivery id bound in bot.log_context.
Member text never reaches a line because no log call is given any: log calls name ids, counts and error codes.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TextIO

from bot import log_context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that log SQL parameters or request bodies (member text) at DEBUG: held at WARNING whatever LOG_LEVEL says.
PAYLOAD_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy", "slack_sdk", "slack_bolt", "botbuilder", "msrest", "urllib3")
# slack_sdk's Web API clients decide whether to format each request and response for DEBUG (a repr of the whole
# payload) from their own logger's level, not the effective one: left unset, they build both lines for every call
# and the parent's level then drops them. Held like the others, they skip the work.
_SELF_CHECKING_LOGGERS = ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "log_ids", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _BindIds(logging.Filter):
    """Copies the ids bound where the line was logged onto the record (formatting may happen elsewhere)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.log_ids = log_context.current()
        return True


def configure(level: str | int, log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """Send every logger's lines to `stream` (stderr by default) as text or JSON; returns the handler."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(_BindIds())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in PAYLOAD_LOGGERS + _SELF_CHECKING_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    if root.level > logging.DEBUG:
        # APScheduler reports every tick at INFO; our own log lines say what a tick did when it matters.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler
