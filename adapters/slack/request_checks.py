"""What `/slack/events` checks before Bolt sees a request. Pure: bytes and headers in, a payload or a refusal out.

Bolt parses the body before it verifies the signature and trusts every field's type, so unsigned junk (a
timestamp of `nan`, a body that is not UTF-8) or a signed payload with a string where an object belongs would
answer 500 or raise after the ack. Here the signature is checked over the raw bytes first, then the body is
decoded and parsed, then the fields Bolt and our listeners read are checked for their types.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from adapters.edge_checks import HttpUrl, contains_nul

# Bolt's own window for a request's age, in seconds.
MAX_AGE = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}", re.ASCII)


class Refused(Exception):
    """The request is answered `status` with `reason` and never reaches Bolt."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Slack's v0 signature over the raw bytes; any other shape of the two headers is refused the same way."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        raise Refused(401, "invalid request")
    if abs(now - int(timestamp)) > MAX_AGE:
        raise Refused(401, "invalid request")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused(401, "invalid request")


def decode(body: bytes, charset: str | None) -> str:
    """Slack sends UTF-8; a body in another charset or with broken bytes is not from Slack."""
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Refused(415, "Slack requests are UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None


def parse(body: str, content_type: str) -> dict[str, Any]:
    """The payload as Bolt will see it (JSON, a form, or a form's `payload` field), checked for its types."""
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):
        payload = _json(body, "the body")
    else:
        form = dict(parse_qsl(body, keep_blank_values=True))
        payload = _json(form["payload"], "the payload field") if "payload" in form else form
    if contains_nul(payload):
        raise Refused(400, "the payload contains a NUL character")
    check_shape(payload)
    return payload


def _json(text: str, what: str) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: 100,000 nested brackets
        raise Refused(400, f"{what} is not valid JSON") from None
    if not isinstance(payload, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return payload


# Slack's ids are short (T…, U…, C…); a longer one is no id of Slack's and would not fit its column.
_Id = Annotated[str, Field(max_length=128)]


class _Shape(BaseModel):
    # Slack adds fields all the time: only the ones we (and Bolt) read are checked, and nothing is coerced.
    model_config = ConfigDict(extra="allow", strict=True)


class _Team(_Shape):
    id: _Id | None = None
    enterprise_id: _Id | None = None


class _User(_Shape):
    id: _Id | None = None
    name: str | None = None
    username: str | None = None
    team_id: _Id | None = None


class _Channel(_Shape):
    id: _Id | None = None
    name: str | None = None


class _Authorization(_Shape):
    team_id: _Id | None = None
    enterprise_id: _Id | None = None
    user_id: _Id | None = None
    is_enterprise_install: bool | None = None


class _Option(_Shape):
    value: str | None = None


class _Action(_Shape):
    action_id: str | None = None
    block_id: str | None = None
    value: str | None = None
    selected_option: _Option | None = None


class _Container(_Shape):
    type: str | None = None
    message_ts: str | None = None
    is_ephemeral: bool | None = None


class _Message(_Shape):
    ts: str | None = None
    thread_ts: str | None = None
    text: str | None = None
    user: str | None = None


class _Element(_Shape):
    type: str | None = None
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None


class _State(_Shape):
    values: dict[str, dict[str, _Element]] | None = None


class _View(_Shape):
    id: _Id | None = None
    type: str | None = None
    callback_id: str | None = None
    private_metadata: str | None = None
    team_id: _Id | None = None
    app_installed_team_id: _Id | None = None
    state: _State | None = None


class _Event(_Shape):
    type: str | None = None
    user: _Id | _User | None = None
    text: str | None = None
    channel: _Id | _Channel | None = None
    channel_type: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    team: _Id | dict[str, Any] | None = None
    user_team: _Id | None = None
    tab: str | None = None
    item: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    previous_message: dict[str, Any] | None = None


class _Payload(_Shape):
    type: str | None = None
    token: str | None = None
    challenge: str | None = None
    team_id: _Id | None = None
    enterprise_id: _Id | None = None
    api_app_id: _Id | None = None
    event_id: _Id | None = None  # stored to drop Slack's retries
    event: _Event | None = None
    authorizations: list[_Authorization] | None = None
    is_enterprise_install: bool | str | None = None
    is_ext_shared_channel: bool | None = None
    # Bolt would also take plain strings here; Slack only ever sends objects, and our listeners read them as such.
    enterprise: _Team | None = None
    team: _Team | None = None
    user: _User | None = None
    channel: _Channel | None = None
    callback_id: str | None = None
    trigger_id: str | None = None
    response_url: HttpUrl | None = None
    # A slash command's form (the only form fields we store).
    user_id: _Id | None = None
    channel_id: _Id | None = None
    response_urls: list[dict[str, Any]] | None = None
    actions: list[_Action] | None = None
    container: _Container | None = None
    message: _Message | None = None
    view: _View | None = None
    thread_ts: str | None = None

    @model_validator(mode="after")
    def _has_what_its_type_needs(self) -> _Payload:
        # Bolt's listener matching indexes these without checking: an empty `actions` would be a 500.
        needs = {
            "event_callback": self.event is not None and isinstance(self.event.type, str),
            "block_actions": bool(self.actions) and all(isinstance(a.action_id, str) for a in self.actions or ()),
            "view_submission": self.view is not None and isinstance(self.view.callback_id, str),
            "view_closed": self.view is not None and isinstance(self.view.callback_id, str),
            "message_action": isinstance(self.callback_id, str),
            "shortcut": isinstance(self.callback_id, str),
        }
        if not needs.get(self.type or "", True):
            raise ValueError(f"a {self.type} payload without what it needs")
        return self


def check_shape(payload: dict[str, Any]) -> None:
    """Refuse (400) a payload whose fields have types Slack never sends, naming the first such field."""
    try:
        _Payload.model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if not str(part).startswith(("str", "_")))
        if not where:  # a rule about the payload as a whole
            raise Refused(400, str(first["msg"]).removeprefix("Value error, ")) from None
        raise Refused(400, f"`{where}` is not valid") from None
