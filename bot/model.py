"""The neutral model: who talks, where, and what the bot says back.

Adapters translate platform payloads into these types and render outbound messages natively; the core never
sees a Slack or Teams object. Everything here is an immutable value so replies can be compared in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

JsonObject = dict[str, Any]


class ConversationKind(StrEnum):
    DIRECT = "direct"  # 1:1 with the bot
    CHANNEL = "channel"  # a team channel
    GROUP = "group"  # a group chat without a team


@dataclass(frozen=True)
class UserRef:
    """A member as a platform knows them. `tenant` is the Slack team id, the Teams tenant id, …"""

    platform: str
    tenant: str
    id: str
    name: str | None = None


@dataclass(frozen=True)
class ConversationRef:
    """Where a message lives. `raw` carries what the platform needs to reach it later (e.g. a Teams
    ConversationReference as JSON); the core stores it and hands it back untouched."""

    platform: str
    tenant: str
    id: str
    kind: ConversationKind = ConversationKind.CHANNEL
    name: str | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class SentRef:
    """Handle to a message the bot sent, so it can be updated (Slack `ts`, Teams activity id)."""

    conversation: ConversationRef
    id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class Profile:
    """What a platform can tell about a member on first contact."""

    display_name: str | None = None
    locale: str | None = None  # BCP 47 like "da-DK"; the core maps it to a supported language
    timezone: str | None = None  # IANA name
    is_manager: bool = False  # a team owner: starts as manager
    # A workspace admin or owner (Slack), the installer of the app in a team (Teams): starts as admin, and
    # loses a role that came from the platform when the platform stops saying so.
    is_admin: bool = False
    # Whether this profile speaks for the platform's roles (a fresh users.info does; a message's hints don't):
    # only then does a member lose a role that came from the platform.
    states_roles: bool = False


@dataclass(frozen=True)
class Mention:
    """A member mentioned in a message: who, and the text that stands for them in `InboundMessage.text`."""

    user: UserRef
    text: str  # e.g. "@Bo Berg", exactly as it appears in the text


# --- inbound -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterEntry:
    """A member as a platform's roster lists them; `profile` carries what the platform said (name, owner)."""

    user: UserRef
    profile: Profile | None = None


@dataclass(frozen=True)
class InboundMessage:
    """A message addressed to the bot: a command, or a reply to something the bot asked."""

    user: UserRef
    conversation: ConversationRef
    text: str
    # Set when the message is a thread reply (Slack thread_ts, Teams replyToId), so it can answer a prompt.
    thread_id: str | None = None
    # Platform hints that are cheap to read off the payload (Teams locale, clientInfo timezone).
    profile: Profile | None = None
    # False for messages the bot merely overhears (a thread reply in a channel without a mention): they may
    # answer a prompt, but are never parsed as commands.
    addressed: bool = True
    # The platform's id of this message, for replies in its thread.
    id: str | None = None
    # Members mentioned in the text (the bot itself excluded), in order.
    mentions: tuple[Mention, ...] = ()


FormValue = str | bool | list[str] | None


# A meeting held in a conversation has ended: an adapter reports it as this action from the meeting's organiser
# (value: the meeting's title), so a feature may follow up on it.
MEETING_ENDED_ACTION = "platform.meeting_ended"
# A member added or removed an emoji reaction on a message: value the reaction's name, `link` the message's link
# (Slack permalink), so a feature may count it (kudos). Reported once per platform event.
REACTION_ADDED_ACTION = "platform.reaction_added"
REACTION_REMOVED_ACTION = "platform.reaction_removed"


@dataclass(frozen=True)
class InboundAction:
    """A button press or a form submission (or a platform event reported as one, see MEETING_ENDED_ACTION)."""

    user: UserRef
    conversation: ConversationRef
    action_id: str
    value: str = ""
    form: dict[str, FormValue] = field(default_factory=dict)
    source: SentRef | None = None  # the message that held the button or form
    profile: Profile | None = None
    link: str | None = None  # a link to the message acted on (a message saved as a learning)
    # The platform shows the replies to this member alone (a Teams dialog), wherever the action came from.
    answered_in_private: bool = False


# --- outbound blocks ----------------------------------------------------------------------------------------
# Text in blocks is plain text: adapters escape it for their markup. `Header` and `Context` carry the emphasis.


@dataclass(frozen=True)
class Header:
    text: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Fields:
    """Label/value pairs shown compactly (a Slack section's fields, an Adaptive Card FactSet)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Input:
    id: str
    label: str
    kind: Literal["text", "multiline", "select", "checkbox"] = "text"
    options: tuple[Option, ...] = ()
    initial: FormValue = None
    placeholder: str | None = None
    optional: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class Form:
    """Inputs with one submit action. A platform may show it inline (Teams card) or as a modal (Slack)."""

    action_id: str
    title: str
    submit_label: str
    inputs: tuple[Input, ...]
    value: str = ""  # opaque context echoed back in InboundAction.value


@dataclass(frozen=True)
class Context:
    """A small, muted line: hints, timestamps, who can see this."""

    text: str


@dataclass(frozen=True)
class Divider:
    pass


Block = Header | Text | Fields | Buttons | Form | Context | Divider


@dataclass(frozen=True)
class OutboundFile:
    """A file for one conversation (an export, a chart): its name, bytes, media type and a title to show."""

    name: str
    content: bytes
    title: str
    media_type: str = "application/json"


@dataclass(frozen=True)
class OutboundMessage:
    """One message from the bot. `text` is the plain-text fallback (notifications, screen readers)."""

    text: str
    blocks: tuple[Block, ...] = ()
    # private: only the member who asked sees it (Slack ephemeral; elsewhere a normal reply in the same place)
    private: bool = False
    # update the message that held the pressed button instead of posting a new one
    replace_source: bool = False
    # post in the thread of this message id (answers to a prompt, summaries)
    thread_id: str | None = None
    # The recipient's language, so adapters can word their own chrome (form hints, labels) to match.
    language: str | None = None
    # Files posted right after the message in the same conversation (a digest's chart), by proactive sends.
    files: tuple[OutboundFile, ...] = ()

    @classmethod
    def plain(cls, text: str, *, private: bool = False) -> OutboundMessage:
        return cls(text=text, blocks=(Text(text),), private=private)

    def forms(self) -> list[Form]:
        return [block for block in self.blocks if isinstance(block, Form)]
