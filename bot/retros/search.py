"""An anonymous retro's learnings in the learning log's search, without any author.

A named retro's learnings are entered in the log at close (bot/retros/outcome.py) and found like any entry. An
anonymous retro's stay in its grouped items, which carry no author by construction: this search source finds
them there, for members of the retro's channel (a private channel's retro stays in it), marked with the retro
they came from and never with a name. Retros are few, so the newest SCANNED learning items are matched in Python
with the learning log's word forms. Their tag is the retro's, as in the log: `learnings #retro-12` finds both.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.db.models import Conversation, ConversationMember
from bot.learning.log import extract_tags
from bot.learning.sources import Finding, Matcher, SourceQuery, best_first
from bot.retros.tables import Retro, RetroItem
from bot.retros.templates import TEMPLATES, template_of

SCANNED = 2000


def retro_tag(retro_id: int) -> str:
    return f"retro-{retro_id}"


def _learning_items() -> ColumnElement[bool]:
    """Items of each built-in template's learnings question, and every item of a team's own template (whose
    learnings question depends on its questions: checked when read)."""
    return or_(
        Retro.questions.is_not(None),
        *(
            and_(Retro.template == name, RetroItem.question == f"q{template.learnings}")
            for name, template in TEMPLATES.items()
        ),
    )


class AnonymousRetroLearnings:
    """A search source: the learnings of closed anonymous retros in the viewer's channels."""

    title_key = "retros.search_title"

    async def find(self, session: AsyncSession, t: Translator, query: SourceQuery) -> list[Finding]:
        filters = query.filters
        if filters.author_id is not None:
            return []  # no item has an author, so none is any member's
        channels = select(ConversationMember.conversation_id).where(ConversationMember.member_id == query.viewer_id)
        statement = (
            select(
                RetroItem.text,
                RetroItem.question,
                Retro.id,
                Retro.template,
                Retro.questions,
                Retro.title,
                Retro.closed_at,
                Conversation.name,
            )
            .join(Retro, Retro.id == RetroItem.retro_id)
            .join(Conversation, Conversation.id == Retro.conversation_id)
            .where(
                Retro.tenant_id == query.tenant_id,
                Retro.anonymous.is_(True),
                Retro.phase == "closed",
                Retro.closed_at.is_not(None),
                Conversation.id.in_(channels),
                _learning_items(),
            )
            .order_by(RetroItem.id.desc())
            .limit(SCANNED)
        )
        if filters.since is not None:
            statement = statement.where(Retro.closed_at >= filters.since)
        matcher = Matcher(query.words)
        found: list[Finding] = []
        rows = await session.execute(statement)
        for text, question, retro_id, template_name, questions, title, closed_at, channel in rows:
            template = template_of(template_name, questions)
            if question != f"q{template.learnings}":
                continue
            first, *similar = text.splitlines() or [""]
            if filters.tags and not set(filters.tags) <= {retro_tag(retro_id), *extract_tags(text)}:
                continue
            score = matcher.score(text)
            if score and closed_at is not None:
                shown = first + (t("retros.similar", count=len(similar)) if similar else "")
                title = title or template.title(t)
                where = t("retros.search_where", title=title, channel=channel or "?", id=retro_id)
                found.append(Finding(shown, None, where, closed_at, score))
        return best_first(found)
