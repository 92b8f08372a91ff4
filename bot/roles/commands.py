"""`role grant @member manager|admin`, `role revoke @member`, `role list`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.spec import Arg, Args, CommandSpec, Kind, Role
from bot.model import OutboundMessage, Text
from bot.roles.access import display, holders, refusal, set_role
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot


def _reply(text: str, *, private: bool = True) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=private)]


def _role_name(turn: Turn, role: Role) -> str:
    return turn.t(f"roles.name_{role.stored}")


async def grant(turn: Turn, args: Args) -> list[OutboundMessage]:
    member, wanted = args.member("member"), Role.of(args.string("role"))
    assert member is not None  # required argument
    current = Role.of(member.role)
    # Managers may make managers; making admins, or changing an admin, is for admins.
    if (wanted is Role.ADMIN or current is Role.ADMIN) and turn.role < Role.ADMIN:
        return await refusal(turn, Role.ADMIN, turn.t("roles.what_grant", role=_role_name(turn, wanted)))
    if current is Role.ADMIN and wanted < current:
        await _keep_an_admin(turn, member.id)
    set_role(member, wanted)
    return _reply(turn.t("roles.granted", name=display(member), role=_role_name(turn, wanted)), private=False)


async def revoke(turn: Turn, args: Args) -> list[OutboundMessage]:
    member = args.member("member")
    assert member is not None
    current = Role.of(member.role)
    if current is Role.MEMBER:
        return _reply(turn.t("roles.already_member", name=display(member)))
    if current is Role.ADMIN:
        if turn.role < Role.ADMIN:
            return await refusal(turn, Role.ADMIN, turn.t("roles.what_revoke"))
        await _keep_an_admin(turn, member.id)
    set_role(member, Role.MEMBER)
    return _reply(turn.t("roles.revoked", name=display(member), role=_role_name(turn, current)), private=False)


async def _keep_an_admin(turn: Turn, member_id: int) -> None:
    admins = await holders(turn.session, turn.tenant, Role.ADMIN)
    if all(admin.id == member_id for admin in admins):
        raise UsageError("roles.last_admin")


async def list_roles(turn: Turn, args: Args) -> list[OutboundMessage]:
    people = await holders(turn.session, turn.tenant, Role.MANAGER)
    if not people:
        return _reply(turn.t("roles.list_empty"))
    lines = [turn.t("roles.list_title")]
    lines += [f"• {display(member)} – {_role_name(turn, Role.of(member.role))}" for member in people]
    return _reply("\n".join(lines))


def install(bot: LearnBot) -> None:
    member = Arg("member", Kind.MEMBER)
    bot.command(
        CommandSpec(
            "role",
            subcommands=(
                CommandSpec(
                    "role.grant",
                    grant,
                    (member, Arg("role", Kind.CHOICE, choices=("manager", "admin"))),
                    role=Role.MANAGER,
                ),
                CommandSpec("role.revoke", revoke, (member,), role=Role.MANAGER),
                CommandSpec("role.list", list_roles),
            ),
            default="list",
            priority=70,
        )
    )
