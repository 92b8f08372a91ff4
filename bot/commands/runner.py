"""Running a matched command as its spec says: where, who, which arguments; never inside the handler."""

from __future__ import annotations

from bot.commands.book import Matched
from bot.commands.help import HelpBook
from bot.commands.spec import Args, CommandSpec, Kind, MemberValue, Place
from bot.db.models import Member
from bot.directory import Directory
from bot.model import ConversationKind, OutboundMessage
from bot.roles.access import refusal
from bot.turn import Turn, UsageError


def is_at(place: Place, kind: ConversationKind) -> bool:
    direct = kind is ConversationKind.DIRECT
    return True if place is Place.ANYWHERE else direct if place is Place.DIRECT else not direct


class CommandRunner:
    def __init__(self, help_book: HelpBook, directory: Directory) -> None:
        self._help = help_book
        self._directory = directory

    async def run(self, turn: Turn, parsed: Matched) -> list[OutboundMessage]:
        """The place and role the spec asks for, then its arguments, then the handler; usage errors come back
        with the command's help in the member's language."""
        spec, args = parsed.spec, parsed.args
        today = turn.now.date()
        what = self._help.path(turn.t, spec)
        if not is_at(spec.place, turn.where.kind):
            return [OutboundMessage.plain(turn.t(f"errors.only_{spec.place.value}", command=what), private=True)]
        if turn.role < spec.role:
            return await refusal(turn, spec.role, turn.t("roles.use", command=what))
        if parsed.problem is not None:
            problem = parsed.problem
            label = self._help.label(turn.t, spec, problem.arg) if problem.arg else ""
            message = turn.t(problem.key, label=label, command=what, **problem.params)
            message = message[:1].upper() + message[1:]  # a label may begin the sentence
            return [self._help.usage_error(turn.t, spec, message, today)]
        try:
            await self._resolve_members(turn, spec, args)
            assert spec.handler is not None  # a spec without a handler always has a default or a problem
            return await spec.handler(turn, args)
        except UsageError as error:
            return [self._help.usage_error(turn.t, spec, turn.t(error.key, **error.params), today)]

    async def _resolve_members(self, turn: Turn, spec: CommandSpec, args: Args) -> None:
        """Mentions become members (created on first sight); a typed @name is looked up in the team."""
        for arg in spec.args:
            if arg.kind is not Kind.MEMBER or arg.name not in args.values:
                continue
            value = args.values[arg.name]
            assert isinstance(value, MemberValue)
            member: Member | None
            if value.user is not None and value.user.platform == turn.tenant.platform:
                member, _ = await self._directory.member(turn.session, turn.tenant, value.user, None, turn.now)
            else:
                member = await self._directory.find_by_name(turn.session, turn.tenant, value.name)
            if member is None:
                raise UsageError("usage.no_member", value=value.name[:40])
            args.members[arg.name] = member
