"""`learned [--private] <text>` and `learnings …`: the learning log in chat (search, related, edit, delete,
what I applied)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.commands.spec import Arg, Args, CommandSpec, Kind
from bot.db.base import row_id
from bot.db.models import Member
from bot.directory import member_timezone
from bot.learning.log import PAGE_SIZE, LearningLog, LearningPage, extract_tags
from bot.learning.resurfacing import applied_ids
from bot.learning.search import MAX_COUNTED, Filters
from bot.learning.sources import Finding, source_query
from bot.learning.tables import Learning
from bot.model import Block, Button, Buttons, Context, Header, InboundAction, OutboundMessage, Text
from bot.privacy.rows import is_former_colleague
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot

SNIPPET_LENGTH = 280
APPLIED_DAYS = 90
_ID = Arg("id", Kind.NUMBER, low=1, high=2**31 - 1)
_PAGE = Arg("page", Kind.NUMBER, keyword=True, low=1, high=100_000)


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_LENGTH else text[: SNIPPET_LENGTH - 1].rstrip() + "…"


def _without_tags(query: str) -> str:
    return " ".join(word for word in query.split() if not word.startswith("#"))


def _author(turn: Turn, member: Member) -> str:
    """Who wrote an entry: their name, or "a former colleague" for entries kept after their author was erased."""
    if is_former_colleague(member):
        return turn.t("learnings.former_colleague")
    return member.display_name or turn.t("learnings.someone")


class LearningCommands:
    def __init__(self, log: LearningLog) -> None:
        self._log = log

    def register(self, bot: LearnBot) -> None:
        bot.command(
            CommandSpec(
                "learned",
                self.learned,
                (Arg("text", Kind.TEXT), Arg("private", Kind.FLAG, keyword=True)),
                priority=1,
                slash=True,
            )
        )
        bot.command(
            CommandSpec(
                "learnings",
                self.learnings,
                (
                    Arg("query", Kind.TEXT, required=False),
                    Arg("member", Kind.MEMBER, required=False),
                    Arg("since", Kind.DATE, keyword=True),
                    _PAGE,
                ),
                subcommands=(
                    CommandSpec("learnings.related", self.related, (_ID,)),
                    CommandSpec("learnings.edit", self.edit, (_ID, Arg("text", Kind.TEXT))),
                    CommandSpec("learnings.delete", self.delete, (_ID,)),
                    CommandSpec("learnings.applied", self.applied, (_PAGE,)),
                ),
                priority=2,
            )
        )
        bot.action("learnings.page", self.next_page)
        bot.action("learning.undo", self.undo)

    # --- logging -----------------------------------------------------------------------------------------------

    async def learned(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        # The text argument, without a leading --private (args.text is the whole line after the command words).
        text = args.string("text") if args.has("text") else args.text
        return await self.save(turn, text or "", private=args.flag("private"))

    async def save(
        self, turn: Turn, text: str, *, source_url: str | None = None, private: bool = False
    ) -> list[OutboundMessage]:
        """Log `text` as the turn member's learning (the command, the form and the shortcut alike); `source_url`
        links the message it was saved from. The reply names up to three colleagues' similar learnings."""
        text = text.strip()
        if not text:
            raise UsageError("learned.empty")
        learning = await self._log.add(
            turn.session,
            tenant_id=turn.tenant.id,
            member_id=turn.member.id,
            conversation_id=turn.conversation.id,
            text=text,
            language=turn.language,
            now=turn.now,
            source_url=source_url,
            private=private,
        )
        tags = " ".join(f"#{tag.tag}" for tag in learning.tags)
        key = "learned.saved_private" if private else "learned.saved"
        saved = turn.t(f"{key}_with_tags", tags=tags) if tags else turn.t(key)
        blocks: list[Block] = [Text(saved), Context(turn.t("learned.hint"))]
        blocks.extend(await self._similar_blocks(turn, learning))
        blocks.append(Buttons((Button(turn.t("learned.undo"), f"learning.undo:{learning.id}", str(learning.id)),)))
        return [OutboundMessage(text=saved, blocks=tuple(blocks), private=True)]

    async def _similar_blocks(self, turn: Turn, learning: Learning) -> list[Block]:
        similar = await self._log.related(turn.session, learning)
        blocks: list[Block] = []
        for other in similar:
            author = _author(turn, other.author)
            line = turn.t("learned.similar", author=author, when=self._ago(turn, other.created_at))
            blocks.append(Text(f"{line}\n{_snippet(other.text)}"))
            blocks.append(Context(turn.t("learnings.byline", author=author, date=self._date(turn, other), id=other.id)))
        return blocks

    def _ago(self, turn: Turn, when: datetime) -> str:
        days = (turn.now.astimezone(member_timezone(turn.member)).date() - self._local_date(turn, when)).days
        if days <= 0:
            return turn.t("learned.ago_today")
        if days == 1:
            return turn.t("learned.ago_yesterday")
        if days < 14:
            return turn.t("learned.ago_days", days=days) if days < 7 else turn.t("learned.ago_last_week")
        return turn.t("learned.ago_on", date=self._local_date(turn, when).isoformat())

    # --- own entries -------------------------------------------------------------------------------------------

    async def edit(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        text = (args.string("text") or "").strip()
        if not text:
            raise UsageError("learned.empty")
        learning = await self._log.edit(turn.session, args.number("id") or 0, turn.member.id, text, turn.now)
        if learning is None:
            return [self._note(turn, "learnings.not_yours", id=args.number("id"))]
        return [self._note(turn, "learnings.edited", id=learning.id)]

    async def delete(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        deleted = await self._log.delete(turn.session, args.number("id") or 0, turn.member.id)
        return [self._note(turn, "learnings.deleted" if deleted else "learnings.not_yours", id=args.number("id"))]

    async def undo(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        learning_id = row_id(action.value) or 0
        deleted = await self._log.delete(turn.session, learning_id, turn.member.id)
        key = "learned.undone" if deleted else "learned.undo_failed"
        return [OutboundMessage(text=turn.t(key), blocks=(Text(turn.t(key)),), private=True, replace_source=True)]

    # --- finding -----------------------------------------------------------------------------------------------

    async def learnings(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        since = args.date("since")
        member = args.member("member")
        # The button of the next page carries the whole search: words, and the filters that were given.
        state: dict[str, object] = {"q": args.string("query") or ""}
        if member is not None:
            state["m"] = member.id
        if since is not None:
            state["s"] = since.isoformat()
        return [await self._page(turn, state, args.number("page") or 1)]

    async def next_page(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        try:
            state = json.loads(action.value)
            page = int(state.pop("p"))
            if not isinstance(state.get("q"), str) or not isinstance(state.get("m"), int | None):
                raise TypeError
            if state.get("s") is not None:
                datetime.fromisoformat(str(state["s"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise UsageError("errors.unknown_action") from None
        return [await self._page(turn, state, max(1, min(page, 1_000_000)))]  # a forged value must fit SQL

    async def related(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        learning = await self._log.get(turn.session, args.number("id") or 0, turn.member.id)
        if learning is None or learning.tenant_id != turn.tenant.id:
            return [self._note(turn, "learnings.not_found", id=args.number("id"))]
        similar = await self._log.related(turn.session, learning)
        if not similar:
            return [self._note(turn, "learnings.related_empty", id=learning.id)]
        title = turn.t("learnings.related_title", id=learning.id)
        page = LearningPage(similar, 1, len(similar))
        return [OutboundMessage(text=title, blocks=await self._render(turn, title, None, page), private=True)]

    async def applied(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        ids = await applied_ids(turn.session, member_id=turn.member.id)
        since = turn.now - timedelta(days=APPLIED_DAYS)
        logged = (
            await turn.session.scalar(
                select(func.count()).where(Learning.member_id == turn.member.id, Learning.created_at >= since)
            )
            or 0
        )
        recent_ids = (
            set(
                await turn.session.scalars(
                    select(Learning.id).where(Learning.id.in_(ids), Learning.created_at >= since)
                )
            )
            if ids
            else set()
        )
        share = turn.t(
            "learnings.applied_share",
            applied=len(recent_ids),
            logged=logged,
            percent=round(100 * len(recent_ids) / logged) if logged else 0,
            days=APPLIED_DAYS,
        )
        if not ids:
            text = turn.t("learnings.applied_empty")
            return [OutboundMessage(text=text, blocks=(Text(text), Context(share)), private=True)]
        page_number = args.number("page") or 1
        rows = await turn.session.scalars(
            select(Learning)
            .where(Learning.id.in_(ids), Learning.member_id == turn.member.id)
            .order_by(Learning.created_at.desc(), Learning.id.desc())
            .offset((page_number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        page = LearningPage(list(rows), page_number, len(ids))
        title = turn.t("learnings.applied_title", total=len(ids))
        blocks = (*await self._render(turn, title, None, page), Context(share))
        return [OutboundMessage(text=title, blocks=blocks, private=True)]

    async def _page(self, turn: Turn, state: dict[str, object], page: int) -> OutboundMessage:
        query = str(state.get("q") or "")
        member_id = state.get("m")
        since_text = state.get("s")
        filtered = bool(query) or member_id is not None or since_text is not None
        if filtered:
            since = None
            if isinstance(since_text, str):
                zone = member_timezone(turn.member)
                since = datetime.combine(datetime.fromisoformat(since_text).date(), time(), tzinfo=zone)
            filters = Filters(
                author_id=member_id if isinstance(member_id, int) else None,
                since=since,
                tags=tuple(extract_tags(query)),
            )
            result = await self._log.search(turn.session, turn.tenant.id, _without_tags(query), page, filters)
            shown = await self._described(turn, query, member_id, since_text)
            title = turn.t("learnings.search_title", query=shown, total=result.total_label)
            empty = turn.t("learnings.search_empty", query=shown)
            if page == 1:  # what other features keep (channel answers, retros): once, below the first page
                found = await self._found_elsewhere(turn, _without_tags(query), filters)
                if found:
                    blocks = await self._render(turn, title, state, result) if result.items else (Header(title),)
                    return OutboundMessage(text=title, blocks=(*blocks, *found), private=True)
        else:
            result = await self._log.recent(turn.session, turn.member.id, page)
            title = turn.t("learnings.recent_title", total=result.total)
            empty = turn.t("learnings.recent_empty")
        if not result.items:
            return OutboundMessage(text=empty, blocks=(Text(empty),), private=True)
        return OutboundMessage(text=title, blocks=await self._render(turn, title, state, result), private=True)

    async def _render(
        self, turn: Turn, title: str, state: dict[str, object] | None, result: LearningPage
    ) -> tuple[Block, ...]:
        applied = await applied_ids(turn.session, learning_ids=[learning.id for learning in result.items])
        blocks: list[Block] = [Header(title)]
        for learning in result.items:
            author = _author(turn, learning.author)
            details = [turn.t("learnings.byline", author=author, date=self._date(turn, learning), id=learning.id)]
            if learning.tags:
                details.append(" ".join(f"#{tag.tag}" for tag in learning.tags))
            if learning.id in applied:
                details.append(turn.t("learnings.applied_mark"))
            if learning.private:
                details.append(turn.t("learnings.private_mark"))
            if learning.source_url:
                details.append(learning.source_url)
            blocks.append(Text(_snippet(learning.text)))
            blocks.append(Context(" · ".join(details)))
            buttons = [button for ask in self._log.buttons if (button := ask(turn.t, learning, turn.member.id))]
            if buttons:
                blocks.append(Buttons(tuple(buttons)))
        if state is not None:
            pages = -(-min(result.total, MAX_COUNTED) // PAGE_SIZE)
            pages_label = f"{pages}+" if result.total > MAX_COUNTED else str(pages)
            blocks.append(Context(turn.t("learnings.page_of", page=result.page, pages=pages_label)))
            if result.has_more:
                value = json.dumps({**state, "p": result.page + 1}, ensure_ascii=False)
                blocks.append(Buttons((Button(turn.t("learnings.more"), "learnings.page", value),)))
        return tuple(blocks)

    async def _described(self, turn: Turn, query: str, member_id: object, since: object) -> str:
        """The search as the title shows it: its words, the member and the date it was narrowed to."""
        parts = [_snippet(query)[:80]] if query else []
        if isinstance(member_id, int):
            member = await turn.session.get(Member, member_id)
            if member is not None and member.tenant_id == turn.tenant.id:
                parts.append(f"@{member.display_name or turn.t('learnings.someone')}")
        if isinstance(since, str):
            parts.append(turn.t("learnings.since", date=since))
        return " ".join(parts) or "…"

    async def _found_elsewhere(self, turn: Turn, query: str, filters: Filters) -> list[Block]:
        """Every search source's findings, under its own heading."""
        wanted = source_query(turn.tenant.id, turn.member.id, query, filters)
        if wanted is None:
            return []
        blocks: list[Block] = []
        for source in self._log.sources:
            findings = await source.find(turn.session, turn.t, wanted)
            if findings:
                blocks.append(Text(turn.t(source.title_key)))
                blocks.extend(self._finding_blocks(turn, findings))
        return blocks

    def _finding_blocks(self, turn: Turn, findings: list[Finding]) -> list[Block]:
        blocks: list[Block] = []
        for finding in findings:
            when = self._local_date(turn, finding.created_at).isoformat()
            details = [finding.author, when, finding.where] if finding.author else [when, finding.where]
            blocks.append(Text(_snippet(finding.text)))
            blocks.append(Context(" · ".join(details)))
        return blocks

    def _local_date(self, turn: Turn, when: datetime) -> date:
        return when.astimezone(member_timezone(turn.member)).date()

    def _date(self, turn: Turn, learning: Learning) -> str:
        return self._local_date(turn, learning.created_at).isoformat()

    def _note(self, turn: Turn, key: str, **params: object) -> OutboundMessage:
        text = turn.t(key, **params)
        return OutboundMessage(text=text, blocks=(Text(text),), private=True)
