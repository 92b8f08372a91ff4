"""A team's own retro templates: `retro template add NAME question | question … [anonymous]` by a manager, listed
with the built-in ones by `retro template`, removed by `retro template remove NAME`, started by `retro start NAME`.

The questions are stored in the team's own words (no translation: the team wrote them in its language); a retro
started from one keeps a copy, so changing or removing the template never changes a retro already run.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.catalog import Catalog, Translator
from bot.commands.spec import Arg, Args, CommandSpec, Kind, Role
from bot.model import OutboundMessage
from bot.retros.tables import RetroTemplate
from bot.retros.templates import MAX_QUESTIONS, TEMPLATES, Template, own
from bot.turn import UsageError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.turn import Turn

MAX_OWN = 50  # per team: more would no longer be a list anyone reads
MAX_QUESTION_LENGTH = 150
_NAME = re.compile(r"^[^\W_][\w-]{1,29}$")
_SEPARATOR = re.compile(r"\s*[|\n]\s*")


async def find(session: AsyncSession, tenant_id: int, name: str) -> RetroTemplate | None:
    return await session.scalar(
        select(RetroTemplate).where(RetroTemplate.tenant_id == tenant_id, RetroTemplate.name == name.casefold())
    )


def as_template(row: RetroTemplate) -> Template:
    return own(row.name, row.questions, row.anonymous)


def reserved_words(catalog: Catalog) -> frozenset[str]:
    """What `retro start` already reads another way, in any language: built-in template names and its keywords."""
    start = "commands.retro.start"
    keys = [f"{start}.choices.template.{name}" for name in TEMPLATES]
    keys += [f"{start}.keywords.{word}" for word in ("for", "until", "anonymous", "vote", "votes", "title")]
    words = {*TEMPLATES}
    for language in catalog.languages:
        for key in keys:
            words.update(word.casefold() for word in catalog.questions(language, key))
    return frozenset(words)


def _anonymous_words(t: Translator) -> set[str]:
    catalog = t.catalog
    key = "commands.retro.template.add.keywords.anonymous"
    return {word.casefold() for language in catalog.languages for word in catalog.questions(language, key)}


def questions_of(text: str) -> list[str]:
    """The questions of `retro template add`: separated by | (or one a line), blanks dropped."""
    return [question for question in _SEPARATOR.split(text.strip()) if question]


class OwnTemplates:
    def spec(self) -> CommandSpec:
        return CommandSpec(
            "retro.template",
            subcommands=(
                CommandSpec(
                    "retro.template.add",
                    self.add,
                    (
                        Arg("name", Kind.WORD),
                        Arg("questions", Kind.TEXT),
                        Arg("anonymous", Kind.FLAG, keyword=True),
                    ),
                    role=Role.MANAGER,
                ),
                CommandSpec("retro.template.remove", self.remove, (Arg("name", Kind.WORD),), role=Role.MANAGER),
                CommandSpec("retro.template.list", self.list),
            ),
            default="list",
        )

    async def add(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        name = (args.string("name") or "").casefold()
        if not _NAME.match(name) or name in reserved_words(turn.t.catalog):
            raise UsageError("retros.template_bad_name", name=name[:40])
        questions = questions_of(args.string("questions") or "")
        anonymous = args.flag("anonymous")
        if questions and (last := questions[-1].rsplit(maxsplit=1))[-1].casefold() in _anonymous_words(turn.t):
            # "… | What do we change? anonymous": the flag at the end, where a free text argument reads it as words
            anonymous, questions[-1:] = True, last[:-1]
        if not 1 <= len(questions) <= MAX_QUESTIONS:
            raise UsageError("retros.template_bad_questions", most=MAX_QUESTIONS)
        if any(len(question) > MAX_QUESTION_LENGTH for question in questions):
            raise UsageError("retros.template_question_too_long", most=MAX_QUESTION_LENGTH)
        row = await find(turn.session, turn.tenant.id, name)
        if row is None:
            count = await turn.session.scalar(
                select(func.count()).select_from(RetroTemplate).where(RetroTemplate.tenant_id == turn.tenant.id)
            )
            if (count or 0) >= MAX_OWN:
                raise UsageError("retros.template_too_many", most=MAX_OWN)
            row = RetroTemplate(tenant_id=turn.tenant.id, name=name, created_at=turn.now)
            turn.session.add(row)
            key = "retros.template_added"
        else:
            key = "retros.template_changed"  # the same name again: the team rewords its template
        row.questions, row.anonymous, row.created_by_member_id = questions, anonymous, turn.member.id
        await turn.session.flush()
        text = turn.t(key, name=name) + "\n" + _describe(turn.t, as_template(row))
        return [OutboundMessage.plain(text)]

    async def remove(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        name = (args.string("name") or "").casefold()
        row = await find(turn.session, turn.tenant.id, name)
        if row is None:
            raise UsageError("retros.unknown_template", name=name[:40])
        await turn.session.delete(row)
        return [OutboundMessage.plain(turn.t("retros.template_removed", name=name))]

    async def list(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        t = turn.t
        lines = [t("retros.templates_built_in")]
        for name, template in TEMPLATES.items():
            word = t.questions(f"commands.retro.start.choices.template.{name}")[0]
            lines.append(f"• {word} — " + _describe(t, template))
        rows = (
            await turn.session.scalars(
                select(RetroTemplate).where(RetroTemplate.tenant_id == turn.tenant.id).order_by(RetroTemplate.name)
            )
        ).all()
        lines.append(t("retros.templates_own") if rows else t("retros.templates_none_own"))
        lines += [f"• {row.name} — " + _describe(t, as_template(row)) for row in rows]
        return [OutboundMessage.plain("\n".join(lines), private=True)]


def _describe(t: Translator, template: Template) -> str:
    questions = " · ".join(template.question(t, question) for question in template.question_ids)
    return questions + (t("retros.template_anonymous") if template.anonymous else "")
