"""The terminal as a ChatAdapter: sends print, buttons become numbered choices.

The terminal is one screen shared by every local member, so it behaves like a client that keeps state: each
message gets a number (`reply N …` answers it, as a thread reply does in Slack), each button a number that stays
pressable until its message is replaced, and a direct message for a member other than the one typing waits until
`:as` switches to them.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from adapters.console.render import Style, render
from bot.catalog import Catalog, Translator
from bot.model import (
    Button,
    ConversationKind,
    ConversationRef,
    Form,
    OutboundFile,
    OutboundMessage,
    Profile,
    SentRef,
    UserRef,
)
from bot.ports import Capabilities

PLATFORM = "console"
DIRECT_PREFIX = "dm-"


@dataclass(frozen=True)
class PendingForm:
    form: Form
    sent: SentRef
    t: Translator  # the recipient's language, for the questions the terminal asks around the form


@dataclass
class Shown:
    """A message on screen: where it is, and whether it came unasked (a prompt, a reminder)."""

    sent: SentRef
    proactive: bool
    buttons: list[int] = field(default_factory=list)


def direct_id(user_id: str) -> str:
    return f"{DIRECT_PREFIX}{user_id}"


class ConsoleAdapter:
    platform = PLATFORM
    # The terminal has no admins of its own: the first member of the local team becomes its admin.
    capabilities = Capabilities(buttons=True, forms=True, edits=True, private_replies=True, first_member_is_admin=True)

    def __init__(self, out: TextIO, style: Style, catalog: Catalog, default_language: str = "en") -> None:
        self._out = out
        self._style = style
        self._catalog = catalog
        self._default_language = default_language
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)
        # The member at the keyboard; direct messages for anyone else wait in `waiting`.
        self.current: UserRef | None = None
        self.waiting: dict[str, list[tuple[ConversationRef, OutboundMessage, str]]] = {}
        self.buttons: dict[int, tuple[Button, SentRef]] = {}
        self.messages: dict[str, Shown] = {}
        self.forms: list[PendingForm] = []
        # Where sent files are written (a temporary folder unless set).
        self.files_folder: Path | None = None
        self.saved_files: list[Path] = []

    async def stop(self) -> None:
        """Nothing to disconnect."""

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    def show(
        self,
        conversation: ConversationRef,
        message: OutboundMessage,
        *,
        proactive: bool,
        replaces: SentRef | None,
        sent_id: str | None = None,
    ) -> SentRef:
        sent = SentRef(conversation=conversation, id=sent_id or str(next(self._ids)), thread_id=message.thread_id)
        if replaces is not None:
            self._forget(replaces)
        rendered = render(message, self._style)
        numbers = [next(self._numbers) for _ in rendered.buttons]
        text = render(message, self._style, numbers=numbers).text
        t = self._catalog.translator(message.language or self._default_language)
        tags = [f"#{sent.id}"]
        if conversation.kind is ConversationKind.DIRECT:
            tags.append(t("console.direct"))
        if replaces is not None:
            tags.append(t("console.updated"))
        self._write(self._style.dim(f"({' · '.join(tags)})") + "\n" + text + "\n\n")
        for number, button in zip(numbers, rendered.buttons, strict=True):
            self.buttons[number] = (button, sent)
        self.messages[sent.id] = Shown(sent, proactive, numbers)
        self.forms.extend(PendingForm(form, sent, t) for form in rendered.forms)
        return sent

    def _forget(self, sent: SentRef) -> None:
        shown = self.messages.pop(sent.id, None)
        for number in shown.buttons if shown else []:
            self.buttons.pop(number, None)

    def is_for_someone_else(self, conversation: ConversationRef) -> str | None:
        """The member a direct conversation belongs to, when that is not the member at the keyboard."""
        if conversation.kind is not ConversationKind.DIRECT or self.current is None:
            return None
        owner = conversation.id.removeprefix(DIRECT_PREFIX)
        return owner if owner != self.current.id else None

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        """A proactive send (a prompt, a reminder). A DM for another member waits for `:as`."""
        owner = self.is_for_someone_else(conversation)
        if owner is not None:
            reserved = str(next(self._ids))
            self.waiting.setdefault(owner, []).append((conversation, message, reserved))
            t = self._catalog.translator(message.language or self._default_language)
            name = conversation.name or owner
            self._write(self._style.dim(t("console.waiting", name=name)) + "\n\n")
            # The id is reserved now, so the core's record of the send stays right; the text shows later.
            return SentRef(conversation=conversation, id=reserved, thread_id=message.thread_id)
        return self.show(conversation, message, proactive=True, replaces=None)

    def reply(self, conversation: ConversationRef, message: OutboundMessage, source: SentRef | None) -> SentRef:
        """A reply to what the member typed or pressed."""
        replaces = source if message.replace_source and source is not None else None
        return self.show(conversation, message, proactive=False, replaces=replaces)

    def release(self, user: UserRef) -> None:
        """`:as NAME`: show the direct messages that waited for this member."""
        for conversation, message, reserved in self.waiting.pop(user.id, []):
            self.show(conversation, message, proactive=True, replaces=None, sent_id=reserved)

    def latest_prompt(self, user: UserRef) -> Shown | None:
        """The newest unasked message this member can see: what a bare `reply …` answers."""
        for shown in reversed(self.messages.values()):
            if shown.proactive and self.is_for_someone_else(shown.sent.conversation) is None:
                return shown
        return None

    async def update(self, sent: SentRef, message: OutboundMessage) -> None:
        self.show(sent.conversation, message, proactive=False, replaces=sent)

    async def send_file(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        """The terminal has no attachments: the file is written under the files folder and its path shown."""
        folder = self.files_folder or Path(tempfile.gettempdir()) / "learnbot-files"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / Path(file.name).name
        path.write_bytes(file.content)
        self.saved_files.append(path)
        sent = self.show(conversation, OutboundMessage.plain(file.title + ":"), proactive=False, replaces=None)
        self._write(f"{path}\n\n")  # unwrapped, so it can be copied whole
        return sent

    async def open_direct(self, user: UserRef) -> ConversationRef:
        return ConversationRef(PLATFORM, user.tenant, direct_id(user.id), ConversationKind.DIRECT, name=user.name)

    async def fetch_profile(self, user: UserRef) -> Profile | None:
        return Profile(display_name=user.name)
