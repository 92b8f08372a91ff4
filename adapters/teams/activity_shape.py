"""The types of every activity field botbuilder or our translation reads, checked before either sees them. Pure.

botbuilder's deserializer passes a `channelData` of "x" or a `replyToId` that is an object straight through, and
the turn then fails with a 500; without an app id (development mode) such a body needs no token at all. Here
such an activity is a 400 naming the field. Unknown fields stay allowed: Teams adds new ones all the time.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.edge_checks import HttpUrl, contains_nul
from adapters.teams.translate import DATA_KEY, BadActivity


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


# Ids longer than the columns that store them (members, conversations, tenants) are never sent by Teams.
_Id128 = Annotated[str, Field(max_length=128)]


class _Account(_Shape):
    id: _Id128 | None = None
    name: str | None = None
    aadObjectId: str | None = None
    role: str | None = None


class _Conversation(_Shape):
    id: Annotated[str, Field(max_length=256)]
    name: str | None = None
    conversationType: str | None = None
    isGroup: bool | None = None
    tenantId: _Id128 | None = None


class _Id(_Shape):
    id: _Id128 | None = None
    name: str | None = None


class _Named(_Shape):
    """A team or channel: botbuilder's TeamsInfo reads its `id` without checking."""

    id: _Id128
    name: str | None = None


class _ChannelData(_Shape):
    tenant: _Id | None = None
    team: _Named | None = None
    channel: _Named | None = None
    eventType: str | None = None


class _Entity(_Shape):
    type: str | None = None
    text: str | None = None
    mentioned: _Account | None = None
    locale: str | None = None
    timezone: str | None = None


class _Ours(_Shape):
    """What our cards put under `learnbot` in a submit's data."""

    action: str | None = None
    value: str | None = None
    title: str | None = None
    labels: dict[str, str] | None = None
    toggles: list[str] | None = None


class _Attachment(_Shape):
    contentType: str | None = None
    name: str | None = None


class _Activity(_Shape):
    type: str
    id: str | None = None
    serviceUrl: HttpUrl
    channelId: str | None = None
    timestamp: str | None = None
    localTimestamp: str | None = None
    localTimezone: str | None = None
    locale: str | None = None
    text: str | None = None
    textFormat: str | None = None
    replyToId: str | None = None
    name: str | None = None
    action: str | None = None
    from_: _Account | None = Field(default=None, alias="from")
    recipient: _Account | None = None
    conversation: _Conversation
    channelData: _ChannelData | None = None
    entities: list[_Entity] | None = None
    attachments: list[_Attachment] | None = None
    membersAdded: list[_Account] | None = None
    membersRemoved: list[_Account] | None = None
    value: Any = None


def _validate(model: type[BaseModel], value: Any, prefix: str) -> None:
    try:
        model.model_validate(value)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join([prefix, *(str(part) for part in first["loc"])]).strip(".")
        # pydantic names our private model classes ("… or instance of _Account"): say only what was expected.
        expected = first["msg"].split(" or instance of")[0]
        raise BadActivity(f"`{where}` is not valid: {expected}") from None


def check_shape(activity: dict[str, Any]) -> None:
    """BadActivity (a 400) naming the first field whose type Teams never sends."""
    if contains_nul(activity):
        raise BadActivity("the activity contains a NUL character")
    _validate(_Activity, activity, "")
    # A card submit's `value` (or an invoke's `value.action.data`) carries our routing under DATA_KEY.
    value = activity.get("value")
    if not isinstance(value, dict):
        return
    if value.get(DATA_KEY) is not None:
        _validate(_Ours, value[DATA_KEY], f"value.{DATA_KEY}")
    action = value.get("action")
    if isinstance(action, dict) and isinstance(action.get("data"), dict) and action["data"].get(DATA_KEY) is not None:
        _validate(_Ours, action["data"][DATA_KEY], f"value.action.data.{DATA_KEY}")
