"""One inbound Teams activity, handled: messages and card actions go to the core, installs record the roster.

The invoke responses for `adaptiveCard/action` and the message action are built here and written by the endpoint,
because botbuilder 4.17.1's stock invoke path on CloudAdapter answers HTTP 500.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from adapters.teams import files, translate
from adapters.teams.adapter import TeamsAdapter
from adapters.teams.cards import CARD_CONTENT_TYPE, render, render_submission, task_message, task_module
from adapters.teams.translate import CardSubmission
from bot.catalog import Catalog, normalize_language
from bot.model import (
    ConversationKind,
    ConversationRef,
    Form,
    JsonObject,
    OutboundMessage,
    Profile,
    RosterEntry,
    UserRef,
)
from bot.ports import DeliveryError, InboundHandler

log = logging.getLogger(__name__)

ROSTER_PAGE_SIZE = 500
# 1:1 chats opened at once after an install; the Delivery pacer keeps the tenant under Teams' limit anyway.
OPEN_DIRECT_CONCURRENCY = 8


def _texts(replies: Sequence[OutboundMessage]) -> str:
    return "\n\n".join(reply.text for reply in replies if reply.text)


@dataclass
class TurnOutcome:
    """What the endpoint writes back: 201 for activities, the invoke response for invokes."""

    status: int = 201
    body: JsonObject | None = None


@dataclass
class TeamsTurns:
    adapter: TeamsAdapter
    bot: InboundHandler
    catalog: Catalog
    background: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, context: TurnContext, activity: JsonObject, outcome: TurnOutcome) -> None:
        tenant = translate.tenant_id(activity)
        self.adapter.learn(tenant, activity)
        kind = activity.get("type")
        if kind == "message":
            if translate.is_card_submit(activity):
                await self._submitted(context, tenant, activity, translate.card_submit(activity))
            else:
                await self._message(context, tenant, activity)
        elif kind == "invoke":
            await self._invoke(context, tenant, activity, outcome)
        elif kind == "conversationUpdate":
            await self._conversation_update(context, tenant, activity)
        elif translate.is_meeting_end(activity):
            for reply in await self.bot.handle_action(translate.meeting_end(activity)):
                await self.adapter.send_in_turn(context, tenant, reply)
        else:  # installationUpdate, typing, messageReaction…: nothing to do
            log.debug("ignoring %s activity", kind)

    async def _message(self, context: TurnContext, tenant: str, activity: JsonObject) -> None:
        message = translate.inbound_message(activity)
        for reply in await self.bot.handle_message(message):
            await self.adapter.send_in_turn(context, tenant, reply)

    def _thanks(self, activity: JsonObject) -> str:
        language = normalize_language(activity.get("locale")) or "en"
        return self.catalog.translator(language)("teams.submitted")

    def _submission_card(self, activity: JsonObject, submission: CardSubmission) -> JsonObject | None:
        if not submission.labels:  # a plain button: the card stays as it was
            return None
        return render_submission(submission.title, submission.labels, submission.action.form, self._thanks(activity))

    async def _submitted(
        self, context: TurnContext, tenant: str, activity: JsonObject, submission: CardSubmission
    ) -> None:
        """Action.Submit: run the action, then update the card (the core's replacement, or the answers)."""
        replies = await self.bot.handle_action(submission.action)
        replacement = next((reply for reply in replies if reply.replace_source), None)
        source = submission.action.source
        if source is not None:
            if replacement is not None:
                await self.adapter.update_in_turn(context, tenant, source.id, render(replacement)[0])
            elif (answered := self._submission_card(activity, submission)) is not None:
                payload = {"type": "message", "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": answered}]}
                await self.adapter.update_in_turn(context, tenant, source.id, payload)
        for reply in replies:
            if reply is not replacement or source is None:
                await self.adapter.send_in_turn(context, tenant, reply)

    async def _invoke(self, context: TurnContext, tenant: str, activity: JsonObject, outcome: TurnOutcome) -> None:
        if activity.get("name") in (translate.FETCH_TASK, translate.SUBMIT_ACTION):
            await self._message_action(activity, outcome)
            return
        if activity.get("name") == files.FILE_CONSENT_INVOKE:
            await self._file_consent(context, tenant, activity, outcome)
            return
        if activity.get("name") != "adaptiveCard/action":
            outcome.status, outcome.body = 501, {"error": f"invoke {activity.get('name')!r} is not supported"}
            return
        submission = translate.card_execute(activity)
        replies = await self.bot.handle_action(submission.action)
        replacement = next((reply for reply in replies if reply.replace_source), None)
        updated = render(replacement)[0]["attachments"][0]["content"] if replacement else None
        updated = updated or self._submission_card(activity, submission)
        for reply in replies:
            if reply is not replacement:
                await self.adapter.send_in_turn(context, tenant, reply)
        outcome.status = 200
        if updated is not None:
            outcome.body = {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": updated}
        else:
            outcome.body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "OK"}

    async def _file_consent(
        self, context: TurnContext, tenant: str, activity: JsonObject, outcome: TurnOutcome
    ) -> None:
        """Allow or Decline on a file-consent card: upload the offered file and show it, or say nothing was."""
        answer = files.consent(activity)
        if answer is None:
            outcome.status, outcome.body = 400, {"error": "not a file consent answer"}
            return
        outcome.status = 200
        t = self.catalog.translator(normalize_language(activity.get("locale")) or "en")
        offered = self.adapter.pending_files.take(answer.token, context.activity.conversation.id)
        upload_url = answer.upload.get("uploadUrl")
        if not answer.accepted:
            key = "teams.file_declined"
        elif offered is None:
            key = "teams.file_expired"
        elif not files.is_upload_url(upload_url) or not offered.content:
            key = "teams.file_upload_failed"
        else:
            try:
                await files.upload(str(upload_url), offered.content)
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("could not upload a file to Teams: %s", type(error).__name__)
                key = "teams.file_upload_failed"
            else:
                await self.adapter.post_in_turn(context, tenant, files.info_activity(answer.upload))
                return
        await self.adapter.send_in_turn(context, tenant, OutboundMessage.plain(t(key)))

    async def _message_action(self, activity: JsonObject, outcome: TurnOutcome) -> None:
        """ "…" on a message → Save as learning: fetchTask opens the core's form in a dialog, submitAction stores
        it. Both answer in the dialog, so nothing is posted into the conversation the message came from."""
        outcome.status = 200
        if activity.get("name") == translate.FETCH_TASK:
            replies = await self.bot.handle_action(translate.message_action_fetch(activity))
            with_form = next((reply for reply in replies if any(isinstance(b, Form) for b in reply.blocks)), None)
            outcome.body = task_module(with_form) if with_form else task_message(_texts(replies))
            return
        replies = await self.bot.handle_action(translate.message_action_submit(activity).action)
        outcome.body = task_message(_texts(replies))

    # --- installs and rosters -----------------------------------------------------------------------------

    async def _conversation_update(self, context: TurnContext, tenant: str, activity: JsonObject) -> None:
        where = translate.conversation_ref(activity)
        added = translate.members_added(activity)
        removed = translate.members_removed(activity)
        if any(translate.is_bot(activity, account) for account in removed):
            await self.bot.removed_from(where)
            return
        if removed:
            await self.bot.roster_left(where, [translate.account_ref(activity, account) for account in removed])
        if any(translate.is_bot(activity, account) for account in added):
            await self._installed(context, tenant, activity, where)
        elif added:
            people = [translate.account_ref(activity, account) for account in added]
            await self.bot.roster_joined(where, [RosterEntry(person) for person in people])
            self._open_directs(people)

    async def _installed(self, context: TurnContext, tenant: str, activity: JsonObject, where: ConversationRef) -> None:
        installer = translate.sender(activity)
        hints = translate.profile(activity)
        if where.kind is ConversationKind.DIRECT:
            await self.adapter.send_in_turn(context, tenant, await self.bot.welcome(installer, where, hints))
            return
        # Adding an app to a team is for team owners unless they allow otherwise: the installer administers it.
        owner = Profile(hints.display_name, hints.locale, hints.timezone, is_admin=True)
        await self.adapter.send_in_turn(context, tenant, await self.bot.welcome(installer, where, owner))
        entries = await self._roster(context, activity)
        await self.bot.roster_joined(where, [RosterEntry(installer, owner), *entries])
        self._open_directs([entry.user for entry in entries])

    async def _roster(self, context: TurnContext, activity: JsonObject) -> list[RosterEntry]:
        """Every member of the team (or group chat), page by page."""
        entries: list[RosterEntry] = []
        token: str | None = None
        try:
            while True:
                fetch = partial(TeamsInfo.get_paged_members, context, token, ROSTER_PAGE_SIZE)
                page = await self.adapter.delivery.call(translate.tenant_id(activity), None, fetch)
                for account in page.members or []:
                    person = translate.account_ref(activity, {"id": account.id, "name": account.name})
                    owner = (account.user_role or "").lower() == "owner"
                    entries.append(RosterEntry(person, Profile(display_name=account.name, is_manager=owner)))
                token = page.continuation_token
                if not token:
                    return entries
        except DeliveryError as error:
            # The welcome is out and the conversation stored; members still get recorded when they speak.
            log.warning("could not read the roster of %s: %s", activity["conversation"]["id"], error.reason)
            return entries

    def _open_directs(self, people: Sequence[UserRef]) -> None:
        """Open and store a 1:1 chat for each member in the background, so a nudge can reach them later."""
        if not people:
            return
        task = asyncio.create_task(self._open_all(list(people)))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _open_all(self, people: list[UserRef]) -> None:
        gate = asyncio.Semaphore(OPEN_DIRECT_CONCURRENCY)

        async def open_one(person: UserRef) -> None:
            async with gate:
                try:
                    await self.bot.reach(person)
                except DeliveryError as error:
                    log.warning("could not open a 1:1 chat with %s: %s", person.id, error.reason)

        await asyncio.gather(*(open_one(person) for person in people))

    async def drain(self) -> None:
        """Wait for background work (on shutdown, and in tests)."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)
