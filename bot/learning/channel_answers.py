"""Answers to channel prompts, found by the learning log's search: what members answered to the conversation
engine's rounds in a channel (nudges, and any other kind that asks a channel), each marked with where it came from.

Only named answers (an anonymous one has no member and stays out), only rounds asked in a channel or group (never
a direct message), and only channels the searcher is in (a private channel's answers stay in it). Answers have no
full-text index of their own: the newest SCANNED named answers of the searcher's channels are matched in Python
with the same word forms as the learning log (bot/learning/sources.py).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.tables import Response, Round, Series
from bot.db.models import Conversation, ConversationMember, Member
from bot.learning.log import extract_tags
from bot.learning.sources import Finding, Matcher, SourceQuery, best_first
from bot.model import ConversationKind

SCANNED = 2000


def answer_text(answers: object) -> str:
    """The text a member wrote in a response: its text fields (a choice's value is no answer to search)."""
    if not isinstance(answers, dict):
        return ""
    return "\n".join(value for value in answers.values() if isinstance(value, str) and " " in value.strip())


class ChannelAnswers:
    """A search source: named answers to channel prompts in the viewer's channels."""

    title_key = "learnings.channel_title"

    async def find(self, session: AsyncSession, t: Translator, query: SourceQuery) -> list[Finding]:
        filters = query.filters
        channels = select(ConversationMember.conversation_id).where(ConversationMember.member_id == query.viewer_id)
        statement = (
            select(Response.answers, Response.created_at, Member.display_name, Conversation.name)
            .join(Round, Round.id == Response.round_id)
            .outerjoin(Series, Series.id == Round.series_id)
            .join(Conversation, Conversation.id == Round.conversation_id)
            .join(Member, Member.id == Response.member_id)
            .where(
                Round.tenant_id == query.tenant_id,
                Round.anonymous.is_(False),
                Response.member_id.is_not(None),
                Conversation.kind != ConversationKind.DIRECT.value,
                Conversation.id.in_(channels),
                or_(Series.id.is_(None), Series.audience == "channel"),
            )
            .order_by(Response.id.desc())
            .limit(SCANNED)
        )
        if filters.author_id is not None:
            statement = statement.where(Response.member_id == filters.author_id)
        if filters.since is not None:
            statement = statement.where(Response.created_at >= filters.since)
        matcher = Matcher(query.words)
        found: list[Finding] = []
        for answers, created_at, author, channel in await session.execute(statement):
            text = answer_text(answers)
            if not text or (filters.tags and not set(filters.tags) <= set(extract_tags(text))):
                continue
            score = matcher.score(text)
            if score:
                where = t("learnings.channel_where", channel=channel or "?")
                found.append(Finding(text, author or t("learnings.someone"), where, created_at, score))
        return best_first(found)
