"""Files that are not images reach a Teams 1:1 chat the way Teams wants: the bot offers them on a file-consent card,
the member accepts, Teams answers a `fileConsent/invoke` with an upload URL in their OneDrive, the bot uploads the
bytes there and shows a file-info card. A decline uploads nothing.

The bytes wait here, in memory and for a short time only (an export is personal data): a restart or an offer
accepted late says the file is gone and how to ask again, rather than storing the file anywhere.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.model import JsonObject, OutboundFile

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
FILE_CONSENT_INVOKE = "fileConsent/invoke"
OFFER_SECONDS = 3_600.0
MAX_OFFERS = 200
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)


@dataclass(frozen=True)
class Offer:
    file: OutboundFile
    conversation: str  # only the 1:1 chat it was offered in can accept it
    expires: float


class PendingFiles:
    """Files offered on a consent card, by the token the card carries back; each can be taken once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, seconds: float = OFFER_SECONDS) -> None:
        self._clock = clock
        self._seconds = seconds
        self._offers: OrderedDict[str, Offer] = OrderedDict()

    def offer(self, file: OutboundFile, conversation: str) -> str:
        now = self._clock()
        for token in [token for token, offer in self._offers.items() if offer.expires <= now]:
            del self._offers[token]
        while len(self._offers) >= MAX_OFFERS:
            self._offers.popitem(last=False)
        token = secrets.token_urlsafe(16)
        self._offers[token] = Offer(file, conversation, now + self._seconds)
        return token

    def take(self, token: object, conversation: str) -> OutboundFile | None:
        """The offered file, once, if it was offered in `conversation` and has not expired."""
        offer = self._offers.get(token) if isinstance(token, str) else None
        if offer is None or offer.conversation != conversation:
            return None
        del self._offers[str(token)]
        return offer.file if offer.expires > self._clock() else None


def consent_activity(file: OutboundFile, token: str) -> JsonObject:
    """The message with the file-consent card (Teams shows Allow / Decline with the file's name and size)."""
    context = {"offer": token}
    card = {
        "description": file.title,
        "sizeInBytes": len(file.content),
        "acceptContext": context,
        "declineContext": context,
    }
    return {"type": "message", "attachments": [{"contentType": CONSENT_CARD, "name": file.name, "content": card}]}


def info_activity(upload: JsonObject) -> JsonObject:
    """The file-info card pointing at the uploaded file in the member's OneDrive."""
    content = {"uniqueId": upload.get("uniqueId"), "fileType": upload.get("fileType")}
    attachment = {
        "contentType": INFO_CARD,
        "contentUrl": upload.get("contentUrl"),
        "name": upload.get("name"),
        "content": content,
    }
    return {"type": "message", "attachments": [attachment]}


@dataclass(frozen=True)
class Consent:
    """A member's answer on a consent card, from the invoke's value."""

    accepted: bool
    token: object
    upload: JsonObject


def consent(activity: JsonObject) -> Consent | None:
    value = activity.get("value")
    if not isinstance(value, dict) or value.get("action") not in ("accept", "decline"):
        return None
    context = value.get("context")
    upload = value.get("uploadInfo")
    return Consent(
        value["action"] == "accept",
        context.get("offer") if isinstance(context, dict) else None,
        upload if isinstance(upload, dict) else {},
    )


async def upload(upload_url: str, content: bytes) -> None:
    """One PUT of the whole file to the upload session Teams created (files here are far below its 4 MB
    single-request limit); raises aiohttp.ClientError on failure."""
    headers = {"Content-Length": str(len(content)), "Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}"}
    async with (
        aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as session,
        session.put(upload_url, data=content, headers=headers) as response,
    ):
        response.raise_for_status()


def is_upload_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))
