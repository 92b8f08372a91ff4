"""Delivering the core's replies to the request that caused them: ephemeral, updated, threaded or as a modal."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import render
from adapters.slack.pending_forms import PendingForms
from adapters.slack.translate import user
from adapters.slack.transport import SlackAdapter
from bot.model import ConversationRef, Form, JsonObject, OutboundMessage, UserRef
from bot.ports import DeliveryError

log = logging.getLogger(__name__)
# views.open's answers for a trigger_id that can no longer open a modal (older than 3 s, or used already).
_SPENT_TRIGGER = ("expired_trigger_id", "exchanged_trigger_id")


@dataclass(frozen=True)
class Origin:
    """Where a request came from and what Slack lets us answer it with."""

    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str | None = None  # opens one modal, within 3 s of the request
    response_url: str | None = None  # answers ephemerally even where the bot is not a member
    source_ts: str | None = None  # the message that held the pressed button
    source_ephemeral: bool = False  # ephemeral messages can only be replaced through response_url
    thread_ts: str | None = None  # the thread the member wrote in

    @classmethod
    def of(cls, user: UserRef, conversation: ConversationRef, body: JsonObject | None = None, **extra: Any) -> Origin:
        """The origin of a request by `user` in `conversation`, with the reply handles Slack put in `body`."""
        body = body or {}
        return cls(
            team_id=user.tenant,
            user_id=user.id,
            channel_id=conversation.id,
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
            **extra,
        )


class ReplyDelivery:
    def __init__(self, adapter: SlackAdapter, forms: PendingForms) -> None:
        self._adapter = adapter
        self._forms = forms

    async def deliver(self, origin: Origin, replies: list[OutboundMessage]) -> None:
        """Send every reply; one failing reply is logged and does not stop the others."""
        trigger_id = origin.trigger_id
        for reply in replies:
            try:
                trigger_id = await self._deliver_one(origin, reply, trigger_id)
            except DeliveryError as error:
                log.error("could not answer %s in %s: %s", origin.user_id, origin.channel_id or "-", error.reason)

    async def open_form(self, origin: Origin, form: Form) -> None:
        assert origin.trigger_id
        view = render.modal(form, origin.channel_id, origin.source_ts or "")
        await self._adapter.call(
            origin.team_id, "views.open", wait_on_rate_limit=True, trigger_id=origin.trigger_id, view=view
        )

    async def _open_in_time(self, origin: Origin, form: Form) -> bool:
        """Open `form` as a modal; False when the trigger_id is spent (Slack's last three seconds passed while the
        turn waited behind others): the form then goes out as a button that opens it on any replica."""
        try:
            await self.open_form(origin, form)
        except DeliveryError as error:
            if not error.reason.endswith(_SPENT_TRIGGER):
                raise
            log.info("slack trigger_id spent (%s): the form is sent as a button", error.reason)
            return False
        return True

    async def _deliver_one(self, origin: Origin, reply: OutboundMessage, trigger_id: str | None) -> str | None:
        forms = reply.forms()
        opener: str | None = None
        if forms and trigger_id:
            opened = await self._open_in_time(replace(origin, trigger_id=trigger_id), forms[0])
            trigger_id = None  # a trigger_id opens one view only
            if opened:
                rest = tuple(block for block in reply.blocks if not isinstance(block, Form))
                if not rest:
                    return trigger_id
                reply = replace(reply, blocks=rest)
            else:
                opener = await self._forms.keep(forms[0])
        elif forms:
            opener = await self._forms.keep(forms[0])
        body = render.message(reply, form_opener=opener)
        if not origin.channel_id:
            direct = await self._adapter.open_direct(user(origin.team_id, origin.user_id))
            origin = replace(origin, channel_id=direct.id)
        if reply.replace_source and origin.source_ts:
            if origin.source_ephemeral and origin.response_url:
                await self._webhook(origin.response_url, body, replace_original=True)
            else:
                await self._call(origin, "chat.update", channel=origin.channel_id, ts=origin.source_ts, **body)
        elif reply.private:
            if origin.response_url:
                await self._webhook(origin.response_url, body, response_type="ephemeral")
            else:
                thread = reply.thread_id or origin.thread_ts
                await self._call(
                    origin,
                    "chat.postEphemeral",
                    channel=origin.channel_id,
                    user=origin.user_id,
                    thread_ts=thread,
                    **body,
                )
        else:
            thread = reply.thread_id or origin.thread_ts
            await self._call(origin, "chat.postMessage", channel=origin.channel_id, thread_ts=thread, **body)
        return trigger_id

    async def _call(self, origin: Origin, method: str, **arguments: object) -> None:
        await self._adapter.call(origin.team_id, method, wait_on_rate_limit=True, **arguments)

    async def _webhook(self, url: str, body: dict[str, object], **options: object) -> None:
        response = await AsyncWebhookClient(url).send_dict({**body, **options})
        if response.status_code != 200:
            log.error("slack response_url answered %s: %s", response.status_code, response.body)
            raise DeliveryError(f"response_url: {response.status_code} {response.body}")
