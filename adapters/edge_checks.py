"""Checks every platform's inbound edge applies to a parsed request body. Pure."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator


def contains_nul(node: object) -> bool:
    """Whether a parsed JSON document holds U+0000 in any string. No chat client sends one, and PostgreSQL text
    cannot store one: the edges refuse such a request instead of failing when a name or answer is saved."""
    if isinstance(node, str):
        return "\x00" in node
    if isinstance(node, dict):
        return any(contains_nul(key) or contains_nul(value) for key, value in node.items())
    if isinstance(node, list):
        return any(contains_nul(item) for item in node)
    return False


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    return value


# A URL the bot will post to later (Teams' serviceUrl, Slack's response_url): checked while the request is
# still answerable with a 400, rather than failing after the ack.
HttpUrl = Annotated[str, AfterValidator(_http_url)]
