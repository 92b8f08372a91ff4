"""The terminal as a ChatAdapter: sends print, buttons become numbered choices."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TextIO

from adapters.console.render import Style, render
from bot.catalog import Catalog, Translator
from bot.model import (
    Button,
    ConversationKind,
    ConversationRef,
    Form,
    OutboundMessage,
    Profile,
    SentRef,
    UserRef,
)
from bot.ports import Capabilities, InboundHandler

PLATFORM = "console"


@dataclass(frozen=True)
class PendingForm:
    form: Form
    sent: SentRef
    t: Translator  # the recipient's language, for the questions the terminal asks around the form


class ConsoleAdapter:
    platform = PLATFORM
    capabilities = Capabilities(buttons=True, forms=True, edits=True, private_replies=True)

    def __init__(self, out: TextIO, style: Style, catalog: Catalog, default_language: str = "en") -> None:
        self._out = out
        self._style = style
        self._catalog = catalog
        self._default_language = default_language
        self._ids = itertools.count(1)
        self.handler: InboundHandler | None = None
        # Buttons and forms of the messages shown since the member last typed; "1" presses the first button.
        self.choices: list[tuple[Button, SentRef]] = []
        self.forms: list[PendingForm] = []

    async def start(self, handler: InboundHandler) -> None:
        self.handler = handler

    async def stop(self) -> None:
        self.handler = None

    def show(self, conversation: ConversationRef, message: OutboundMessage, *, updated: bool = False) -> SentRef:
        sent = SentRef(conversation=conversation, id=str(next(self._ids)), thread_id=message.thread_id)
        rendered = render(message, self._style, first_number=len(self.choices) + 1)
        t = self._catalog.translator(message.language or self._default_language)
        header = ""
        if conversation.kind is ConversationKind.DIRECT:
            header = self._style.dim(f"({t('console.direct')})") + "\n"
        if updated:
            header += self._style.dim(f"({t('console.updated')})") + "\n"
        self._out.write(header + rendered.text + "\n\n")
        self._out.flush()
        self.choices.extend((button, sent) for button in rendered.buttons)
        self.forms.extend(PendingForm(form, sent, t) for form in rendered.forms)
        return sent

    def clear_choices(self) -> None:
        self.choices.clear()
        self.forms.clear()

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        return self.show(conversation, message)

    async def update(self, sent: SentRef, message: OutboundMessage) -> None:
        self.show(sent.conversation, message, updated=True)

    async def open_direct(self, user: UserRef) -> ConversationRef:
        return ConversationRef(PLATFORM, user.tenant, f"dm-{user.id}", ConversationKind.DIRECT, name=user.name)

    async def fetch_profile(self, user: UserRef) -> Profile | None:
        return Profile(display_name=user.name)
