"""Answers to channel prompts, found by the learning log's search: what members answered to the conversation
engine's rounds in a channel (nudges, and any other kind that asks a channel), each marked with where it came from.

Only named answers (an anonymous one has no member and stays out), only rounds asked in a channel or group (never
a direct message), and only channels the searcher is in (a private channel's answers stay in it). Answers have no
full-text index of their own: the newest SCANNED named answers of the searcher's channels are matched in Python
with the same word forms as the learning log (bot/db/stemming.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Response, Round, Series
from bot.db.models import Conversation, ConversationMember, Member
from bot.db.stemming import INDEX_LANGUAGES, query_stems, stem_words, words
from bot.learning.log import extract_tags
from bot.learning.search import Filters, query_words
from bot.model import ConversationKind

SCANNED = 2000
SHOWN = 3


@dataclass(frozen=True)
class ChannelAnswer:
    text: str
    author: str | None
    channel: str | None
    created_at: datetime
    score: int


def answer_text(answers: object) -> str:
    """The text a member wrote in a response: its text fields (a choice's value is no answer to search)."""
    if not isinstance(answers, dict):
        return ""
    return "\n".join(value for value in answers.values() if isinstance(value, str) and " " in value.strip())


def _matches(text: str, wanted: list[dict[str, str]]) -> int:
    """How often the answer holds the query words, or 0 when one is missing. An answer's language is not stored,
    so a word matches by its stem in any of the index languages."""
    tokens = words(text)
    stems = {language: stem_words(tokens, language) for language in INDEX_LANGUAGES}
    present = {stem for language in INDEX_LANGUAGES for stem in stems[language]}
    if not all(any(word[language] in present for language in INDEX_LANGUAGES) for word in wanted):
        return 0
    wanted_stems = {word[language] for word in wanted for language in INDEX_LANGUAGES}
    return sum(
        1 for index in range(len(tokens)) if any(stems[language][index] in wanted_stems for language in INDEX_LANGUAGES)
    )


async def search_channel_answers(
    session: AsyncSession, tenant_id: int, viewer_id: int, query: str, filters: Filters, limit: int = SHOWN
) -> list[ChannelAnswer]:
    """Named answers to channel prompts in the viewer's channels matching every word (and the filters), best first."""
    tokens = query_words(query)
    if not tokens and not filters.tags and filters.author_id is None:
        return []
    channels = select(ConversationMember.conversation_id).where(ConversationMember.member_id == viewer_id)
    statement = (
        select(Response.answers, Response.created_at, Member.display_name, Conversation.name)
        .join(Round, Round.id == Response.round_id)
        .outerjoin(Series, Series.id == Round.series_id)
        .join(Conversation, Conversation.id == Round.conversation_id)
        .join(Member, Member.id == Response.member_id)
        .where(
            Round.tenant_id == tenant_id,
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
    wanted = query_stems(tokens)
    found: list[ChannelAnswer] = []
    for answers, created_at, author, channel in await session.execute(statement):
        text = answer_text(answers)
        if not text or (filters.tags and not set(filters.tags) <= set(extract_tags(text))):
            continue
        score = _matches(text, wanted) if wanted else 1
        if score:
            found.append(ChannelAnswer(text, author, channel, created_at, score))
    found.sort(key=lambda answer: (-answer.score, -answer.created_at.timestamp()))
    return found[:limit]
