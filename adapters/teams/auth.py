"""Bot Framework JWT validation that never blocks the event loop.

botbuilder 4.17 fetches the OpenID metadata and signing keys with blocking `requests` calls on the event loop and
without a timeout, and retries after every failed fetch: while the key endpoint is slow or unreachable, every
request on the server (Slack and /healthz too) waits, and a stream of junk tokens freezes the bot. Here the keys
are fetched with aiohttp, one fetch at a time however many requests wait for it, cached for their lifetime (the
JWKS response's max-age, else a day), and a failed fetch is remembered for a short time so tokens are refused at
once meanwhile. The checks are those of botbuilder's ChannelValidation: RS256 signature by a published key that
is endorsed for the channel, issuer from the metadata, audience = our app id, expiry with 5 minutes of leeway,
and the `serviceurl` claim equal to the activity's serviceUrl.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

DEFAULT_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
KEY_LIFETIME = 24 * 3600.0  # when the JWKS response names none; Microsoft rotates keys over weeks
FAILURE_MEMORY = 30.0  # seconds a failed fetch is remembered: tokens are refused without trying again
UNKNOWN_KEY_REFRESH = 300.0  # an unknown key id triggers a refetch at most this often (a rotation)
FETCH_TIMEOUT = 5.0
LEEWAY = 300  # seconds of clock skew, as botbuilder allows
_MAX_AGE = re.compile(r"max-age=(\d+)")


class Unauthorized(Exception):
    """The request carries no valid Bot Framework token; the endpoint answers 401."""


@dataclass(frozen=True)
class SigningKey:
    public_key: Any
    endorsements: frozenset[str]


@dataclass(frozen=True)
class KeySet:
    issuer: str
    keys: dict[str, SigningKey]
    fetched_at: float
    expires_at: float


@dataclass
class SigningKeys:
    """The OpenID metadata's issuer and signing keys, fetched off the loop's critical path and cached."""

    metadata_url: str
    clock: Callable[[], float] = time.monotonic
    timeout: float = FETCH_TIMEOUT
    failure_memory: float = FAILURE_MEMORY
    fetches: int = 0  # how many times the metadata was requested (for tests and logs)
    _current: KeySet | None = None
    _failed_until: float = float("-inf")
    _inflight: asyncio.Task[KeySet] | None = None
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    async def key(self, key_id: str) -> tuple[str, SigningKey]:
        """The issuer and the key with `key_id`; Unauthorized when unknown or while keys cannot be had."""
        now = self.clock()
        current = self._current
        stale = current is None or now >= current.expires_at
        rotated = current is not None and key_id not in current.keys and now - current.fetched_at >= UNKNOWN_KEY_REFRESH
        if (stale or rotated) and now >= self._failed_until:
            current = await self._refresh()
        if current is None:
            raise Unauthorized("the Bot Framework signing keys are unavailable")
        found = current.keys.get(key_id)
        if found is None:
            raise Unauthorized(f"unknown signing key {key_id[:40]!r}")
        return current.issuer, found

    async def _refresh(self) -> KeySet | None:
        """One fetch for all waiters. A failure keeps the last good keys (if any) and is remembered a while."""
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._fetch())
        task = self._inflight
        try:
            return await asyncio.shield(task)
        except Exception as error:
            if self._failed_until < self.clock():
                log.warning("could not fetch Bot Framework signing keys from %s: %r", self.metadata_url, error)
            self._failed_until = self.clock() + self.failure_memory
            return self._current
        finally:
            if task.done() and self._inflight is task:
                self._inflight = None

    async def _fetch(self) -> KeySet:
        self.fetches += 1
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        async with self._session.get(self.metadata_url) as response:
            response.raise_for_status()
            metadata = await response.json(content_type=None)
        issuer, jwks_uri = metadata.get("issuer"), metadata.get("jwks_uri")
        if not isinstance(issuer, str) or not isinstance(jwks_uri, str):
            raise ValueError("OpenID metadata without issuer or jwks_uri")
        async with self._session.get(jwks_uri) as response:
            response.raise_for_status()
            document = await response.json(content_type=None)
            cache_control = response.headers.get("Cache-Control", "")
        keys = {}
        for entry in document.get("keys") or []:
            try:
                kid = entry["kid"]
                public_key = RSAAlgorithm.from_jwk(entry)
            except (KeyError, TypeError, ValueError, jwt.InvalidKeyError):
                continue  # one unusable key must not make the others unusable
            keys[str(kid)] = SigningKey(public_key, frozenset(map(str, entry.get("endorsements") or ())))
        if not keys:
            raise ValueError("the JWKS document holds no usable RSA key")
        max_age = _MAX_AGE.search(cache_control)
        lifetime = float(max_age.group(1)) if max_age else KEY_LIFETIME
        now = self.clock()
        self._current = KeySet(issuer, keys, now, now + max(lifetime, 60.0))
        return self._current

    async def close(self) -> None:
        if self._inflight is not None:
            self._inflight.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None


@dataclass
class TokenValidator:
    """Validates the `Authorization` header of a request from the Bot Framework channel to our bot."""

    app_id: str
    keys: SigningKeys

    async def validate(self, authorization: str, channel_id: str, service_url: str) -> dict[str, Any]:
        """The token's claims, or Unauthorized saying why not."""
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or not token.strip():
            raise Unauthorized("no bearer token")
        try:
            header = jwt.get_unverified_header(token.strip())
        except jwt.PyJWTError as error:
            raise Unauthorized(f"not a JWT: {error}") from None
        key_id = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(key_id, str):
            raise Unauthorized("the token is not signed with a published RS256 key")
        issuer, key = await self.keys.key(key_id)
        if key.endorsements and channel_id not in key.endorsements:
            raise Unauthorized(f"the signing key is not endorsed for channel {channel_id!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token.strip(),
                key.public_key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(str(error)) from None
        if claims.get("serviceurl") != service_url:
            raise Unauthorized("the serviceurl claim does not match the activity")
        return claims
