"""The kind protocol: what a feature tells the engine about one kind of conversation, and nothing more.

The engine decides who gets what and when; a kind words it (in the recipient's language), shapes its form, sums up
a round's responses and reacts to its close. Kinds are registered by their feature's install step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.model import Button, Form, OutboundMessage

if TYPE_CHECKING:
    from bot.conversations.rounds import RoundPlan

ANSWER_ACTION = "conversation.answer"
SUBMIT_ACTION = "conversation.submit"
CHOOSE_ACTION = "conversation.choose"
REVIEWED = "reviewed"  # marks a form value: the member has had the kind's second look; store what they send
MAX_TEXT_ANSWER = 3_000


@dataclass(frozen=True)
class FieldSpec:
    """One field of a kind's form: free text, one of `choices`, or a number."""

    id: str
    type: Literal["text", "choice", "number"] = "text"
    choices: tuple[str, ...] = ()
    optional: bool = False
    max_length: int = MAX_TEXT_ANSWER


@dataclass(frozen=True)
class RoundView:
    """What a kind sees of a round (and of its series' settings, `{}` without a series)."""

    id: int
    kind: str
    tenant_id: int
    series_id: int | None
    conversation_id: int | None
    due_at: datetime
    closes_at: datetime
    anonymous: bool
    context: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseView:
    """One respondent's answers; `member_id` and `name` are None when the round is anonymous."""

    member_id: int | None
    name: str | None
    answers: Mapping[str, Any]
    late: bool


# A message for one delivery, given the delivery's id (which its Answer and choice buttons carry); None when there
# is nothing to ask any more (what it was about is gone): the delivery is then skipped.
Invitation = Callable[[int], OutboundMessage | None]


class Closing(Protocol):
    """What a kind may do when one of its rounds closes."""

    now: datetime

    async def schedule(self, plan: RoundPlan) -> None:
        """Open another round later (a follow-up): its invitations go out at `plan.due_at`."""
        ...


class Kind(Protocol):
    name: str
    fields: tuple[FieldSpec, ...]
    # Answers after the window closes are stored and marked late (else refused with `conversations.closed`).
    accepts_late: bool
    # A thread reply or DM reply adds a line to this field (None: replies are not answers).
    reply_field: str | None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation: ...

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage: ...

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form: ...

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        """The private acknowledgement of a stored answer (`late`: after the window)."""
        ...

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None: ...

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None: ...


@runtime_checkable
class ReviewsAnswers(Protocol):
    """A kind that looks at a submitted form before it is stored (a suggestion to reword it). A message back
    holds the form again, built with `reviewed_value(invitation_id)`, and nothing is stored yet; what the member
    submits from there is stored as it is, so a second look never blocks an answer."""

    def review(
        self, t: Translator, round: RoundView, invitation_id: int, answers: Mapping[str, Any]
    ) -> OutboundMessage | None: ...


def reviewed_value(invitation_id: int) -> str:
    """The value of a form shown for a second look: submitting it stores the answer without another review."""
    return f"{invitation_id}:{REVIEWED}"


class QuietClose:
    """The optional parts of a kind for one that posts no summary and does nothing at close: a kind inherits it
    and declares only what it says."""

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        return None

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        return None


def answer_button(label: str, invitation_id: int) -> Button:
    """The button that opens the kind's form for this invitation."""
    return Button(label, ANSWER_ACTION, str(invitation_id), style="primary")


def choice_button(label: str, invitation_id: int, field_id: str, choice: str) -> Button:
    """A button that answers `field_id` with `choice` in one press."""
    return Button(label, CHOOSE_ACTION, f"{invitation_id}:{field_id}:{choice}")


class Kinds:
    """The kinds the composition root installed, by name."""

    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def add(self, kind: Kind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"kind {kind.name!r} installed twice")
        self._kinds[kind.name] = kind

    def get(self, name: str) -> Kind:
        return self._kinds[name]

    def replying(self) -> list[str]:
        """Kinds whose rounds take a free-text reply as an answer."""
        return [name for name, kind in self._kinds.items() if kind.reply_field is not None]


@dataclass(frozen=True)
class Window:
    """The answer window and reminder rule of a round: remind after a fixed delay or at a fraction of the window."""

    length: timedelta
    remind_after: timedelta | None = None
    remind_fraction: float | None = None

    def remind_at(self, due: datetime) -> datetime | None:
        if self.remind_after is not None:
            return due + self.remind_after
        if self.remind_fraction is not None:
            return due + self.length * self.remind_fraction
        return None
