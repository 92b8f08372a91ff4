"""Chat commands of learning circles: a manager starts one in a channel, members join or leave it and say whom not
to be matched with, anyone lists circles, a manager stops one. The rounds are the engine's (bot/circles/kinds.py)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from bot.circles.draw import DRAW_TIME, series_plan
from bot.circles.tables import SIZES, Circle, CircleAvoid, CircleMember
from bot.commands.spec import Arg, Args, CommandSpec, Kind, Place, Role
from bot.conversations.tables import Series
from bot.db.base import MAX_ROW_ID
from bot.db.models import Conversation, Member
from bot.db.upsert import insert_ignore
from bot.directory import member_timezone
from bot.mentoring.people import names_of
from bot.model import OutboundMessage, Text
from bot.privacy.k_anonymity import Rule, Shown
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine
    from bot.core import LearnBot

DEFAULT_WEEKS = 2
MAX_WEEKS = 8
DEFAULT_SIZE = 2
# "every 2 weeks", "every week", "hver 2. uge", "varannan vecka" is too free: a number and a week word in any of
# our languages, or a duration such as 2w.
_WEEK_WORDS = frozenset({"w", "week", "weeks", "u", "uge", "uger", "v", "vecka", "veckor", "veckan"})
_EVERY = re.compile(r"^(\d{1,2})?\.?\s*([a-zæøåäö]+)$", re.IGNORECASE)
# A channel as typed (#learning) or as Slack sends a picked one (<#C123|learning>).
_SLACK_CHANNEL = re.compile(r"^<#([A-Z0-9]+)(?:\|([^>]*))?>$")


def _reply(text: str, *, private: bool = True) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=private)]


def names_this_channel(word: str, conversation: Conversation) -> bool:
    """Whether the #channel given to `circle start` is the one it is typed in (a circle is started in its own)."""
    if (picked := _SLACK_CHANNEL.match(word)) is not None:
        return conversation.platform_conversation_id.endswith(picked.group(1))
    name = word.removeprefix("#").casefold()
    return conversation.name is None or name == conversation.name.casefold()


def parse_every(text: str) -> int | None:
    """Weeks between rounds from "2 weeks", "2w", "week"; None when it is not that."""
    match = _EVERY.match(text.strip().replace(" ", ""))
    if match is None or match.group(2).casefold() not in _WEEK_WORDS:
        return None
    weeks = int(match.group(1) or 1)
    return weeks if 1 <= weeks <= MAX_WEEKS else None


class CircleCommands:
    def __init__(self, engine: ConversationEngine, rule: Rule) -> None:
        self._engine = engine
        self._rule = rule

    def specs(self) -> list[CommandSpec]:
        circle_id = Arg("id", Kind.NUMBER, required=False, low=1, high=MAX_ROW_ID)
        someone = (Arg("someone", Kind.MEMBER),)
        return [
            CommandSpec(
                "circle",
                subcommands=(
                    CommandSpec(
                        "circle.start",
                        self.start,
                        (
                            Arg("channel", Kind.WORD, required=False),
                            Arg("every", Kind.TEXT, keyword=True),
                            Arg("size", Kind.NUMBER, keyword=True, low=min(SIZES), high=max(SIZES)),
                        ),
                        role=Role.MANAGER,
                        place=Place.CHANNEL,
                    ),
                    CommandSpec("circle.join", self.join, (circle_id,)),
                    CommandSpec("circle.leave", self.leave, (circle_id,)),
                    CommandSpec("circle.list", self.list_circles),
                    CommandSpec("circle.stop", self.stop, (circle_id,), role=Role.MANAGER),
                    CommandSpec("circle.avoid", self.avoid, someone),
                    CommandSpec("circle.allow", self.allow, someone),
                ),
                default="list",
                priority=32,
            ),
        ]

    def register(self, bot: LearnBot) -> None:
        for spec in self.specs():
            bot.command(spec)

    # --- starting and stopping ----------------------------------------------------------------------------------

    async def _channel_circle(self, turn: Turn) -> Circle | None:
        return await turn.session.scalar(
            select(Circle).where(
                Circle.tenant_id == turn.tenant.id,
                Circle.conversation_id == turn.conversation.id,
                Circle.state == "active",
            )
        )

    async def start(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        named = args.string("channel")
        if named is not None and not named.startswith(("#", "<#")):
            raise UsageError("circles.bad_every", value=named[:40], most=MAX_WEEKS)
        if named is not None and not names_this_channel(named, turn.conversation):
            raise UsageError("circles.start_here", channel=named.strip("<#>").split("|")[-1][:40])
        every = args.string("every")
        weeks = parse_every(every) if every is not None else DEFAULT_WEEKS
        if weeks is None:
            raise UsageError("circles.bad_every", value=(every or "")[:40], most=MAX_WEEKS)
        if (existing := await self._channel_circle(turn)) is not None:
            raise UsageError("circles.already", id=existing.id)
        circle = Circle(
            tenant_id=turn.tenant.id,
            conversation_id=turn.conversation.id,
            every_weeks=weeks,
            size=args.number("size") or DEFAULT_SIZE,
            state="active",
            created_by_member_id=turn.member.id,
            created_at=turn.now,
        )
        turn.session.add(circle)
        await turn.session.flush()
        series = await self._engine.add_series(turn.session, series_plan(circle, turn.now))
        circle.series_id = series.id
        turn.after_commit.append(self._engine.changed)
        first = series.next_due_at.astimezone(member_timezone(turn.member)) if series.next_due_at else None
        text = turn.t(
            "circles.started",
            id=circle.id,
            every=turn.t("circles.every_week" if weeks == 1 else "circles.every_weeks", weeks=weeks),
            size=circle.size,
            first=f"{first:%Y-%m-%d}" if first else "–",
            time=DRAW_TIME,
        )
        return _reply(text, private=False)

    async def stop(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        circle = await self._chosen(turn, args)
        circle.state, circle.stopped_at = "stopped", turn.now
        if circle.series_id is not None and (series := await turn.session.get(Series, circle.series_id)) is not None:
            series.paused, series.next_due_at = True, None  # kept: its rounds are the circle's history
        return _reply(turn.t("circles.stopped", id=circle.id), private=False)

    async def _chosen(self, turn: Turn, args: Args) -> Circle:
        """The circle by its number, or the one of the channel the command is typed in."""
        number = args.number("id")
        if number is None:
            circle = await self._channel_circle(turn)
            if circle is None:
                raise UsageError("circles.none_here")
            return circle
        found = await turn.session.get(Circle, number)
        if found is None or found.tenant_id != turn.tenant.id or found.state != "active":
            raise UsageError("circles.not_found", id=number)
        return found

    # --- taking part ----------------------------------------------------------------------------------------

    async def join(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        circle = await self._chosen(turn, args)
        values = {"circle_id": circle.id, "member_id": turn.member.id, "joined_at": turn.now}
        await insert_ignore(turn.session, CircleMember, values, ["circle_id", "member_id"])
        return _reply(turn.t("circles.joined", id=circle.id, channel=await self._channel(turn, circle)))

    async def leave(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        circle = await self._chosen(turn, args)
        await turn.session.execute(
            delete(CircleMember).where(CircleMember.circle_id == circle.id, CircleMember.member_id == turn.member.id)
        )
        return _reply(turn.t("circles.left", id=circle.id))

    async def _someone(self, turn: Turn, args: Args) -> Member:
        someone = args.member("someone")
        assert someone is not None  # a required argument
        if someone.id == turn.member.id:
            raise UsageError("circles.avoid_self")
        return someone

    async def avoid(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        someone = await self._someone(turn, args)
        values = {"member_id": turn.member.id, "avoided_member_id": someone.id}
        await insert_ignore(turn.session, CircleAvoid, values, ["member_id", "avoided_member_id"])
        names = await names_of(turn.session, [someone.id])
        return _reply(turn.t("circles.avoided", name=names[someone.id]))

    async def allow(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        someone = await self._someone(turn, args)
        await turn.session.execute(
            delete(CircleAvoid).where(
                CircleAvoid.member_id == turn.member.id, CircleAvoid.avoided_member_id == someone.id
            )
        )
        names = await names_of(turn.session, [someone.id])
        return _reply(turn.t("circles.allowed", name=names[someone.id]))

    # --- the list -----------------------------------------------------------------------------------------------

    async def _channel(self, turn: Turn, circle: Circle) -> str:
        conversation = await turn.session.get(Conversation, circle.conversation_id) if circle.conversation_id else None
        return f"#{conversation.name}" if conversation is not None and conversation.name else "–"

    def _joined(self, turn: Turn, members: set[int]) -> str:
        """How many joined, through the k-anonymity rule: everyone may list circles, managers too."""
        shown = self._rule.single(members, len(members))
        return str(shown.value) if isinstance(shown, Shown) else turn.t("circles.few_joined", k=self._rule.k)

    async def list_circles(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        circles = list(
            await turn.session.scalars(
                select(Circle).where(Circle.tenant_id == turn.tenant.id, Circle.state == "active").order_by(Circle.id)
            )
        )
        if not circles:
            return _reply(turn.t("circles.list_empty"))
        joined: dict[int, set[int]] = {}
        for found_circle, member_id in await turn.session.execute(
            select(CircleMember.circle_id, CircleMember.member_id).where(
                CircleMember.circle_id.in_([c.id for c in circles])
            )
        ):
            joined.setdefault(found_circle, set()).add(member_id)
        mine = set(
            await turn.session.scalars(select(CircleMember.circle_id).where(CircleMember.member_id == turn.member.id))
        )
        lines = [turn.t("circles.list_title")]
        for circle in circles:
            weeks = circle.every_weeks
            lines.append(
                turn.t(
                    "circles.list_line",
                    id=circle.id,
                    channel=await self._channel(turn, circle),
                    every=turn.t("circles.every_week" if weeks == 1 else "circles.every_weeks", weeks=weeks),
                    size=circle.size,
                    members=self._joined(turn, joined.get(circle.id, set())),
                )
                + (f" · {turn.t('circles.list_in')}" if circle.id in mine else "")
            )
        lines.append(turn.t("circles.list_hint"))
        return _reply("\n".join(lines))
