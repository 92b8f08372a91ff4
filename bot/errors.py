"""The one error path: an unexpected exception becomes a reference code in the log and an apology in chat.

The core calls `report` for any handler that raises; adapters call it for their own failures (a Slack backlog
job, a Teams turn), so every traceback is found by the code the member was given.
"""

from __future__ import annotations

import logging
import secrets

from bot.catalog import Translator
from bot.model import OutboundMessage, Text

log = logging.getLogger("learnbot.errors")


def new_reference() -> str:
    """A short code a member can quote to whoever runs learnbot: 8 hex digits, unguessable."""
    return secrets.token_hex(4).upper()


def report(error: BaseException, where: str) -> str:
    """Log `error` with its traceback under a fresh reference code; returns the code."""
    reference = new_reference()
    log.error("unexpected error %s in %s", reference, where, exc_info=error)
    return reference


def apology(t: Translator, reference: str) -> OutboundMessage:
    text = t("errors.unexpected", reference=reference)
    return OutboundMessage(text=text, blocks=(Text(text),), private=True)
