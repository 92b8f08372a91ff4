"""Bring an existing learning log in (`learnbot import learnings`) and take a team's log out (`… export`).

Import is all or nothing and safe to repeat: every row is checked first, bad rows are reported by line and
skipped, and the good ones are stored in one transaction. Each stored row carries a content key (author, date
as given, text) under a unique index, so importing the same file again stores nothing new, even from two
processes at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import normalize_language
from bot.commands.grammar import MAX_INPUT_LENGTH
from bot.db.models import Member, Tenant
from bot.directory import member_language
from bot.learning.files import RawFile, RawRow, iter_chunks
from bot.learning.log import extract_tags, source_link
from bot.learning.tables import Learning, LearningTag
from bot.privacy.rows import a_person, is_former_colleague

PRIVATE_VALUES = ("yes", "true", "1", "ja")
CHUNK = 1000


class TeamNotFound(LookupError):
    pass


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass(frozen=True)
class CheckedRow:
    line: int
    member_id: int
    text: str
    language: str
    created_at: datetime
    content_key: str
    source_url: str | None = None
    private: bool = False


@dataclass
class ImportReport:
    rows: int = 0
    stored: int = 0
    already_there: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


# Told how many rows will be stored, then how many more were.
Progress = Callable[[int, int], None]


async def find_team(session: AsyncSession, team: str) -> Tenant:
    """The tenant named by `team`: its id (Slack team id, Teams tenant id, `local` for the terminal chat),
    `platform:id`, or its name."""
    platform, _, external_id = team.partition(":") if ":" in team else ("", "", team)
    condition = (
        (Tenant.platform == platform) & (Tenant.external_id == external_id)
        if platform
        else or_(Tenant.external_id == team, func.lower(Tenant.name) == team.casefold())
    )
    matches = list(await session.scalars(select(Tenant).where(condition)))
    if len(matches) == 1:
        return matches[0]
    known = list(await session.scalars(select(Tenant).order_by(Tenant.platform, Tenant.external_id)))
    listing = ", ".join(f"{tenant.platform}:{tenant.external_id}" for tenant in known) or "none yet"
    if matches:
        raise TeamNotFound(f"{team!r} names several teams; say which as platform:id ({listing})")
    raise TeamNotFound(f"no team {team!r} (known teams: {listing})")


class _Members:
    """Authors by platform user id or display name (case-insensitive), within one team."""

    def __init__(self, members: Sequence[Member]) -> None:
        self.by_id = {member.platform_user_id: member for member in members}
        self.by_name: dict[str, list[Member]] = {}
        for member in members:
            if member.display_name:
                self.by_name.setdefault(member.display_name.casefold(), []).append(member)

    def find(self, author_id: str, author: str) -> Member | str:
        """The member, or why none."""
        if author_id:
            return self.by_id.get(author_id) or f"no member with id {author_id!r} in this team"
        if member := self.by_id.get(author):
            return member
        named = self.by_name.get(author.casefold(), [])
        if len(named) == 1:
            return named[0]
        if named:
            return f"several members are called {author!r}: give an author_id column instead"
        return f"no member called {author!r} in this team"


def content_key(member_id: int, given_date: datetime | None, text: str) -> str:
    """What makes two rows "the same": author, the date as given (none if none), text."""
    stamp = given_date.astimezone(UTC).isoformat() if given_date else ""
    return hashlib.sha256(f"{member_id}\x1f{stamp}\x1f{text}".encode()).hexdigest()


def _parse_date(value: str, zone: ZoneInfo) -> datetime:
    """ISO 8601 date or date-time; without a zone, the team's. Raises ValueError."""
    value = value.strip()
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(12, 0), zone)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _with_tags(text: str, tags: str) -> str:
    present = set(extract_tags(text))
    extra = [tag.lstrip("#") for tag in tags.replace(",", " ").split()]
    missing = [tag for tag in extra if tag and tag.casefold() not in present]
    return text + "".join(f" #{tag}" for tag in missing)


def check_rows(
    raw: RawFile, team: Tenant, members: Sequence[Member], default_author: Member | None, now: datetime
) -> tuple[list[CheckedRow], list[RowError]]:
    """Every row either becomes something to store or an error naming its line."""
    zone = ZoneInfo(team.timezone)
    authors = _Members(members)
    checked: list[CheckedRow] = []
    errors: list[RowError] = []
    for row in raw.rows:
        result = _check(row, authors, default_author, zone, now)
        (errors if isinstance(result, RowError) else checked).append(result)  # type: ignore[arg-type]
    return checked, errors


def _check(
    row: RawRow, authors: _Members, default_author: Member | None, zone: ZoneInfo, now: datetime
) -> CheckedRow | RowError:
    fields = row.fields
    if "_not_object" in fields:
        return RowError(row.line, f"expected an object, found {fields['_not_object']}")
    if "_extra" in fields:
        return RowError(row.line, f"{fields['_extra']} more value(s) than the header has columns (a stray separator?)")
    text = fields.get("text", "").strip()
    if not text:
        return RowError(row.line, "no text")
    if fields.get("tags", "").strip():
        text = _with_tags(text, fields["tags"])
    if len(text) > MAX_INPUT_LENGTH:
        return RowError(row.line, f"text of {len(text)} characters (at most {MAX_INPUT_LENGTH})")
    author_id, author_name = fields.get("author_id", "").strip(), fields.get("author", "").strip()
    if author_id or author_name:
        author = authors.find(author_id, author_name)
        if isinstance(author, str):
            return RowError(row.line, author)
    elif default_author is not None:
        author = default_author
    else:
        return RowError(row.line, "no author: add an author column or pass --as-member")
    given_date: datetime | None = None
    if fields.get("date", "").strip():
        try:
            given_date = _parse_date(fields["date"], zone)
        except ValueError:
            return RowError(row.line, f"date {fields['date'].strip()!r} is not YYYY-MM-DD or an ISO 8601 time")
        if given_date > now:
            return RowError(row.line, f"date {fields['date'].strip()!r} is in the future")
    language = member_language(author)
    if fields.get("language", "").strip():
        chosen = normalize_language(fields["language"])
        if chosen is None:
            return RowError(row.line, f"language {fields['language'].strip()!r} is not da, sv or en")
        language = chosen
    link = fields.get("link", "").strip()
    if link and source_link(link) is None:
        return RowError(row.line, f"link {link[:80]!r} is not an https:// address")
    key = content_key(author.id, given_date, text)
    private = fields.get("private", "").strip().casefold() in PRIVATE_VALUES
    return CheckedRow(row.line, author.id, text, language, given_date or now, key, source_link(link), private)


def _insert(session: AsyncSession) -> Insert:
    """INSERT … ON CONFLICT (tenant, content key) DO NOTHING RETURNING what was stored."""
    conflict = ["tenant_id", "content_key"]
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(Learning).on_conflict_do_nothing(index_elements=conflict)
    else:
        statement = sqlite.insert(Learning).on_conflict_do_nothing(index_elements=conflict)
    return statement.returning(Learning.id, Learning.content_key)


async def store_rows(
    session: AsyncSession, team: Tenant, rows: list[CheckedRow], progress: Progress | None = None
) -> tuple[int, int]:
    """Store the rows not stored before, with their tags, in the caller's transaction.
    Returns (stored, already there)."""
    statement = _insert(session)
    seen: set[str] = set()
    stored = 0
    for chunk in iter_chunks(rows, CHUNK):
        fresh = [row for row in chunk if row.content_key not in seen]
        seen.update(row.content_key for row in fresh)
        tags_of = {row.content_key: extract_tags(row.text) for row in fresh}
        values = [
            {
                "tenant_id": team.id,
                "member_id": row.member_id,
                "conversation_id": None,
                "text": row.text,
                "language": row.language,
                "created_at": row.created_at,
                "content_key": row.content_key,
                "source_url": row.source_url,
                "private": row.private,
            }
            for row in fresh
        ]
        inserted = (await session.execute(statement, values)).all() if values else []
        tag_rows = [{"learning_id": learning_id, "tag": tag} for learning_id, key in inserted for tag in tags_of[key]]
        if tag_rows:
            await session.execute(insert(LearningTag), tag_rows)
        stored += len(inserted)
        if progress:
            progress(len(rows), len(chunk))
    return stored, len(rows) - stored


async def import_learnings(
    session: AsyncSession,
    team: Tenant,
    raw: RawFile,
    *,
    default_author: Member | None,
    now: datetime,
    progress: Progress | None = None,
) -> ImportReport:
    """Check and store `raw` into `team` within the caller's transaction (commit it to keep the import)."""
    members = list(await session.scalars(select(Member).where(Member.tenant_id == team.id, a_person())))
    checked, errors = check_rows(raw, team, members, default_author, now)
    stored, already_there = await store_rows(session, team, checked, progress)
    return ImportReport(len(raw.rows), stored, already_there, errors, raw.ignored_columns)


async def find_member(session: AsyncSession, team: Tenant, who: str) -> Member:
    """A member of `team` by platform user id or display name, for --as-member."""
    members = _Members(list(await session.scalars(select(Member).where(Member.tenant_id == team.id, a_person()))))
    found = members.find("", who)
    if isinstance(found, str):
        raise TeamNotFound(found)
    return found


async def export_rows(
    session: AsyncSession, team: Tenant, member: Member | None = None
) -> AsyncIterator[dict[str, str]]:
    """The team's shared entries, oldest first, as file rows (see bot.learning.files.COLUMNS); with `member`,
    that member's own entries, private ones included (a private entry leaves in its author's export only)."""
    query = select(Learning).where(Learning.tenant_id == team.id)
    query = query.where(Learning.member_id == member.id) if member is not None else query.where(~Learning.private)
    query = query.order_by(Learning.created_at, Learning.id).execution_options(yield_per=CHUNK)
    async for learning in await session.stream_scalars(query):
        yield {
            "text": learning.text,
            # A forgotten member's kept learnings have no author to name.
            "author": "" if is_former_colleague(learning.author) else learning.author.display_name or "",
            "author_id": "" if is_former_colleague(learning.author) else learning.author.platform_user_id,
            "date": learning.created_at.isoformat(),
            "language": learning.language,
            "tags": " ".join(tag.tag for tag in learning.tags),
            "link": learning.source_url or "",
            "private": "yes" if learning.private else "",
        }
