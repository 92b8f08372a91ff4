"""One-question kinds: a conversation that is a single message with the feature's own buttons (Accept/Decline, Done,
a notice), so it has no form of its own, no summary, and nothing to do at close unless the feature says so.

Mentoring's ask, the goal nudge and the circles' announcements share this instead of each spelling out the whole
kind protocol (bot/conversations/kinds.py) with empty answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.kinds import FieldSpec, Invitation, QuietClose, RoundView
from bot.model import Form, OutboundMessage

# The form's action: a one-question kind shows no Answer button, so this only answers a forged press.
NO_FORM_ACTION = "conversation.no_form"


class OneQuestionKind(QuietClose):
    """Subclasses set `name` and the catalog keys, and word `invitation`; `closed` may react to the close."""

    name: str
    title_key: ClassVar[str]  # the (never filled) form's title and submit label
    submit_key: ClassVar[str]
    reminder_key: ClassVar[str]
    saved_key: ClassVar[str]
    fields: tuple[FieldSpec, ...] = ()
    accepts_late = False
    reply_field: str | None = None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        raise NotImplementedError

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        return OutboundMessage.plain(t(self.reminder_key))

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        return Form(NO_FORM_ACTION, t(self.title_key), t(self.submit_key), ())

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        return OutboundMessage.plain(t(self.saved_key), private=True)
