"""Teams as a ChatAdapter: botbuilder's CloudAdapter for transport, our pacing and retries around every call.

Proactive sends continue a stored ConversationReference (`ConversationRef.raw`); 1:1 chats with members we have
never heard from are created with `create_conversation`. Replies within a turn use the turn's own connector.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    CallerIdConstants,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from adapters.teams.auth import DEFAULT_METADATA_URL, FETCH_TIMEOUT, SigningKeys, TokenValidator
from adapters.teams.cards import INLINE_IMAGE_TYPES, image_activity, render
from adapters.teams.delivery import Delivery, Pacer
from adapters.teams.files import PendingFiles, consent_activity
from adapters.teams.references import conversation_reference
from adapters.teams.translate import PLATFORM
from bot.model import (
    ConversationKind,
    ConversationRef,
    JsonObject,
    OutboundFile,
    OutboundMessage,
    Profile,
    SentRef,
    UserRef,
)
from bot.ports import Capabilities, DeliveryError
from bot.settings import Settings

log = logging.getLogger(__name__)

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


@dataclass(frozen=True)
class TeamsConfig:
    app_id: str | None = None
    app_password: str | None = None
    app_type: str = "MultiTenant"
    app_tenant_id: str | None = None
    service_url: str = "https://smba.trafficmanager.net/teams/"
    conversation_rate: float = 7.0
    tenant_rate: float = 30.0
    # Where the channel's signing keys are published (a sovereign cloud's, or a local issuer in tests).
    openid_metadata_url: str = DEFAULT_METADATA_URL
    key_fetch_timeout: float = FETCH_TIMEOUT

    @classmethod
    def from_settings(cls, settings: Settings) -> TeamsConfig:
        password = settings.microsoft_app_password
        return cls(
            app_id=settings.microsoft_app_id or None,
            app_password=password.get_secret_value() if password else None,
            app_type=settings.microsoft_app_type,
            app_tenant_id=settings.microsoft_app_tenant_id,
            service_url=settings.teams_service_url,
            conversation_rate=settings.teams_conversation_rate,
            tenant_rate=settings.teams_tenant_rate,
            openid_metadata_url=settings.teams_openid_metadata_url,
        )

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)


class _AuthConfiguration:
    """The attribute bag ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, config: TeamsConfig) -> None:
        self.APP_ID = config.app_id
        self.APP_PASSWORD = config.app_password
        self.APP_TYPE = config.app_type
        self.APP_TENANTID = config.app_tenant_id


class _ReusedConnectors(ConnectorFactory):  # type: ignore[misc]
    """Hands out one ConnectorClient per (service URL, audience) instead of a new one per turn."""

    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[str, str | None], ConnectorClient]) -> None:
        self._inner = inner
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = self._cache[key] = await self._inner.create(service_url, audience)
        return client


class _Authentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """Inbound tokens are checked by our non-blocking TokenValidator (adapters/teams/auth.py) instead of
    botbuilder's, which fetches signing keys with blocking calls on the event loop.

    botbuilder builds a new ConnectorClient and UserTokenClient for every proactive turn; each costs about
    5 ms of msrest setup, which dominated fan-outs (7x a bare connector loop). The clients are stateless
    between calls, so they are reused; credentials (and their token cache) are per app and do not change."""

    def __init__(self, configuration: Any, validator: TokenValidator | None) -> None:
        super().__init__(configuration)
        self.validator = validator
        self._connectors: dict[tuple[str, str | None], ConnectorClient] = {}
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        if self.validator is None:  # no app id: botbuilder's anonymous claims, and it fetches nothing
            return await super().authenticate_request(activity, "")
        claims = await self.validator.validate(auth_header, activity.channel_id or "", activity.service_url or "")
        identity = ClaimsIdentity(claims, True)
        result = AuthenticateRequestResult()
        result.claims_identity = identity
        result.audience = self.get_originating_audience()
        result.caller_id = CallerIdConstants.public_azure_channel
        result.connector_factory = self.create_connector_factory(identity)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _ReusedConnectors(super().create_connector_factory(claims_identity), self._connectors)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = str(claims_identity.claims.get("appid") or claims_identity.claims.get("aud") or "")
        client = self._token_clients.get(key)
        if client is None:
            client = self._token_clients[key] = await super().create_user_token_client(claims_identity)
        return client


class TeamsAdapter:
    platform = PLATFORM
    # Teams has no ephemeral messages: a private reply is a normal reply where it was asked.
    capabilities = Capabilities(buttons=True, forms=True, edits=True, private_replies=False, max_text_length=20_000)

    def __init__(self, config: TeamsConfig, delivery: Delivery | None = None) -> None:
        self.config = config
        self.signing_keys: SigningKeys | None = None
        validator = None
        if config.authenticated:
            self.signing_keys = SigningKeys(config.openid_metadata_url, timeout=config.key_fetch_timeout)
            validator = TokenValidator(config.app_id or "", self.signing_keys)
        self.cloud = CloudAdapter(_Authentication(_AuthConfiguration(config), validator))
        self.delivery = delivery or Delivery(Pacer(config.conversation_rate, config.tenant_rate))
        # Learnt from inbound activities: where each tenant's connector is and who the bot is there.
        self._service_urls: dict[str, str] = {}
        self._bots: dict[str, JsonObject] = {}
        self.pending_files = PendingFiles()

    async def stop(self) -> None:
        if self.signing_keys is not None:
            await self.signing_keys.close()

    def learn(self, tenant: str, activity: JsonObject) -> None:
        """Remember the tenant's service URL and bot account, for 1:1 chats opened later."""
        if isinstance(activity.get("serviceUrl"), str):
            self._service_urls[tenant] = activity["serviceUrl"]
        recipient = activity.get("recipient")
        if isinstance(recipient, dict) and recipient.get("id"):
            self._bots[tenant] = {key: recipient[key] for key in ("id", "name") if key in recipient}

    async def authenticate(self, activity: Activity, authorization: str) -> AuthenticateRequestResult:
        """Validate the Bot Framework JWT (raises Unauthorized when invalid). Without an app id nothing is
        checked: an unauthenticated development bot ignores the header."""
        return await self.cloud.bot_framework_authentication.authenticate_request(activity, authorization)

    async def process(
        self, auth: AuthenticateRequestResult, activity: Activity, logic: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        await self.cloud.process_activity(auth, activity, logic)

    # --- within a turn ------------------------------------------------------------------------------------

    async def send_in_turn(self, context: TurnContext, tenant: str, message: OutboundMessage) -> list[str]:
        """Send `message` into the turn's conversation (a channel post's thread); returns the activity ids."""
        ids: list[str] = []
        conversation = context.activity.conversation.id
        for payload in render(message):
            activity = Activity().deserialize(payload)
            response = await self.delivery.call(tenant, conversation, partial(self._post, context, activity))
            ids.append(response.id if response is not None and response.id else "")
        return ids

    @staticmethod
    async def _post(context: TurnContext, activity: Activity) -> Any:
        """What CloudAdapter.send_activities does for a message, without its deep copy of every activity and
        the middleware round (a third of the adapter's cost in fan-outs, see benchmarks/teams_fanout.py)."""
        reference = TurnContext.get_conversation_reference(context.activity)
        activity = TurnContext.apply_conversation_reference(activity, reference)
        activity.id = None
        connector = context.turn_state[context.adapter.BOT_CONNECTOR_CLIENT_KEY]
        if activity.reply_to_id:
            return await connector.conversations.reply_to_activity(
                activity.conversation.id, activity.reply_to_id, activity
            )
        return await connector.conversations.send_to_conversation(activity.conversation.id, activity)

    async def update_in_turn(self, context: TurnContext, tenant: str, activity_id: str, payload: JsonObject) -> None:
        activity = Activity().deserialize(payload)
        activity.id = activity_id
        await self.delivery.call(tenant, context.activity.conversation.id, partial(context.update_activity, activity))

    # --- the ChatAdapter port (proactive) -------------------------------------------------------------------

    def _reference(self, conversation: ConversationRef, thread_id: str | None = None) -> ConversationReference:
        if not conversation.raw.get("serviceUrl"):
            raise DeliveryError(f"no stored Teams reference for conversation {conversation.id}", permanent=True)
        reference = conversation_reference(conversation.raw)
        if thread_id and conversation.kind is not ConversationKind.DIRECT:
            reference.conversation.id = f"{conversation.id};messageid={thread_id}"
        return reference

    async def _continue(
        self, reference: ConversationReference, logic: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        """A proactive turn through botbuilder's `continue_conversation` (claims, connector, turn pipeline)."""

        async def run(context: TurnContext) -> None:
            # botbuilder gives the continuation a random id and would "reply" to it; post a new message instead.
            context.activity.id = None
            await logic(context)

        await self.cloud.continue_conversation(reference, run, self.config.app_id or "")

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        ids: list[str] = []

        async def logic(context: TurnContext) -> None:
            ids.extend(await self.send_in_turn(context, conversation.tenant, message))

        await self._continue(self._reference(conversation, message.thread_id), logic)
        return SentRef(conversation, ids[0] if ids else "", message.thread_id)

    async def update(self, sent: SentRef, message: OutboundMessage) -> None:
        async def logic(context: TurnContext) -> None:
            await self.update_in_turn(context, sent.conversation.tenant, sent.id, render(message)[0])

        await self._continue(self._reference(sent.conversation), logic)

    async def send_file(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        # A picture (a chart) inline in an Adaptive Card, so it shows in the chat.
        if file.media_type in INLINE_IMAGE_TYPES:
            return await self._send_image(conversation, file)
        # Any other file (an export) in a 1:1 chat: offered on a consent card, uploaded to the member's OneDrive
        # once they accept (adapters/teams/files.py). Channels cannot take that card: there it stays inline.
        if conversation.kind is ConversationKind.DIRECT:
            return await self._offer_file(conversation, file)
        return await self._send_attachment(conversation, file)

    async def _offer_file(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        token = self.pending_files.offer(file, conversation.id)
        return await self._send_payload(conversation, consent_activity(file, token))

    async def post_in_turn(self, context: TurnContext, tenant: str, payload: JsonObject) -> str:
        """A raw activity (a file card) into the turn's conversation; returns its id."""
        activity = Activity().deserialize(payload)
        conversation = context.activity.conversation.id
        response = await self.delivery.call(tenant, conversation, partial(self._post, context, activity))
        return response.id if response is not None and response.id else ""

    async def _send_payload(self, conversation: ConversationRef, payload: JsonObject) -> SentRef:
        ids: list[str] = []

        async def logic(context: TurnContext) -> None:
            ids.append(await self.post_in_turn(context, conversation.tenant, payload))

        await self._continue(self._reference(conversation), logic)
        return SentRef(conversation, ids[0] if ids else "")

    async def _send_attachment(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        """The file as an inline attachment (a base64 data URL) on a message saying what it is."""
        data = base64.b64encode(file.content).decode()
        attachment = {
            "contentType": file.media_type,
            "contentUrl": f"data:{file.media_type};base64,{data}",
            "name": file.name,
        }
        return await self._send_payload(
            conversation, {"type": "message", "text": file.title, "attachments": [attachment]}
        )

    async def _send_image(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        """Images only (charts): an Adaptive Card with the picture as a data: URI, so it shows in the chat."""
        payload = image_activity(file.title, file.media_type, file.content)
        if payload is None:
            raise DeliveryError(f"image {file.name!r} too large for an inline card", permanent=True)
        return await self._send_payload(conversation, payload)

    async def open_direct(self, user: UserRef) -> ConversationRef:
        """Create (or get back: Teams answers with the existing one) the 1:1 chat of the bot and `user`."""
        service_url = self._service_urls.get(user.tenant, self.config.service_url)
        bot = self._bots.get(user.tenant) or {"id": f"28:{self.config.app_id or 'learnbot'}"}
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot["id"], name=bot.get("name")),
            members=[ChannelAccount(id=user.id, name=user.name)],
            tenant_id=user.tenant,
            channel_data={"tenant": {"id": user.tenant}},
        )
        created: dict[str, Any] = {}

        async def logic(context: TurnContext) -> None:
            created["id"] = context.activity.conversation.id

        await self.delivery.call(
            user.tenant,
            None,
            partial(
                self.cloud.create_conversation,
                self.config.app_id or "",
                logic,
                parameters,
                "msteams",
                service_url,
            ),
        )
        conversation_id = str(created["id"])
        raw: JsonObject = {
            "channelId": "msteams",
            "serviceUrl": service_url,
            "bot": bot,
            "user": {"id": user.id, **({"name": user.name} if user.name else {})},
            "conversation": {
                "id": conversation_id,
                "conversationType": "personal",
                "isGroup": False,
                "tenantId": user.tenant,
            },
        }
        return ConversationRef(PLATFORM, user.tenant, conversation_id, ConversationKind.DIRECT, user.name, raw)

    async def fetch_profile(self, user: UserRef) -> Profile | None:
        # Every Teams activity carries the sender's name and locale; the core uses those hints instead.
        return None
