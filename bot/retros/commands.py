"""The retro commands, declared as data: start (managers, in a channel), status, close/extend/delete (managers
and the starter), action items, and the buttons of the retro's messages."""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.commands.spec import Arg, Args, CommandSpec, Kind, Place, Role
from bot.conversations.audiences import Audience
from bot.conversations.kinds import ResponseView, Window
from bot.conversations.responses import respondent_key, round_view, save_response
from bot.conversations.rounds import RoundPlan
from bot.conversations.tables import Delivery, Response, Round
from bot.db.base import row_id
from bot.db.models import Conversation, ConversationMember, Member
from bot.directory import member_timezone
from bot.model import (
    MEETING_ENDED_ACTION,
    Button,
    Buttons,
    Context,
    Header,
    InboundAction,
    OutboundMessage,
    Text,
)
from bot.ports import Notifier
from bot.privacy.k_anonymity import Rule, Withheld
from bot.retros.action_items import ITEM_FORM_ACTION, ActionItems, action_line
from bot.retros.kinds import COLLECT, DONE_ACTION, VOTE, VoteKind, answered
from bot.retros.outcome import ITEM_ACTION, learnings
from bot.retros.own_templates import OwnTemplates, as_template, find
from bot.retros.tables import Retro, RetroAction
from bot.retros.templates import TEMPLATES, template_of
from bot.retros.votes import DEFAULT_VOTES, MAX_VOTES, MIN_VOTES
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine
    from bot.core import LearnBot

log = logging.getLogger(__name__)

DEFAULT_LENGTH = timedelta(days=1)
MAX_LENGTH = timedelta(days=14)
ANSWER_ACTION = "retro.answer"
QUICK_START_ACTION = "retro.quick_start"
OPEN = ("collecting", "voting")
MAX_NAMES = 500  # names the blameless nudge recognises


def _reply(text: str, *, private: bool = True) -> list[OutboundMessage]:
    return [OutboundMessage.plain(text, private=private)]


class RetroCommands:
    def __init__(self, engine: ConversationEngine, votes: VoteKind, notifier: Notifier, rule: Rule) -> None:
        self._engine = engine
        self._votes = votes
        self._notifier = notifier
        self._rule = rule
        self._own = OwnTemplates()
        self._actions = ActionItems(engine, notifier)

    def specs(self) -> list[CommandSpec]:
        templates = tuple(TEMPLATES)
        return [
            CommandSpec(
                "retro",
                self.show,
                subcommands=(
                    CommandSpec(
                        "retro.start",
                        self.start,
                        (
                            Arg("for", Kind.DURATION, keyword=True),
                            Arg("until", Kind.TIME, keyword=True),
                            Arg("template", Kind.CHOICE, required=False, choices=templates),
                            Arg("own", Kind.WORD, required=False),  # a team's own template, by its name
                            Arg("anonymous", Kind.FLAG, keyword=True),
                            Arg("vote", Kind.FLAG, keyword=True),
                            Arg("votes", Kind.NUMBER, keyword=True, low=MIN_VOTES, high=MAX_VOTES),
                            Arg("title", Kind.TEXT, keyword=True),
                        ),
                        role=Role.MANAGER,
                        place=Place.CHANNEL,
                    ),
                    CommandSpec("retro.status", self.status, place=Place.CHANNEL),
                    CommandSpec("retro.close", self.close, place=Place.CHANNEL),
                    CommandSpec("retro.extend", self.extend, (Arg("by", Kind.DURATION),), place=Place.CHANNEL),
                    CommandSpec("retro.delete", self.delete, place=Place.CHANNEL),
                    CommandSpec("retro.anonymous", self.make_anonymous, place=Place.CHANNEL),
                    CommandSpec(
                        "retro.action",
                        self.add_action,
                        (
                            Arg("text", Kind.TEXT, keeps_mentions=True),
                            Arg("owner", Kind.MEMBER, required=False),
                            Arg("by", Kind.DATE, keyword=True),
                        ),
                        place=Place.CHANNEL,
                    ),
                    CommandSpec("retro.actions", self.actions, place=Place.CHANNEL),
                    self._own.spec(),
                ),
                priority=8,
                slash=True,
            )
        ]

    def register(self, bot: LearnBot) -> None:
        for spec in self.specs():
            bot.command(spec)
        bot.action(ANSWER_ACTION, self.answer_from_channel)
        bot.action("retro.vote", self.vote)
        bot.action(DONE_ACTION, self.done)
        bot.action(MEETING_ENDED_ACTION, self.offer_after_meeting)
        bot.action(QUICK_START_ACTION, self.quick_start)
        bot.action(ITEM_ACTION, self._actions.open_form)
        bot.action(ITEM_FORM_ACTION, self._actions.from_form)

    # --- looking up ------------------------------------------------------------------------------------------

    async def _open(self, turn: Turn, conversation_id: int | None = None) -> Retro | None:
        return await turn.session.scalar(
            select(Retro)
            .where(Retro.conversation_id == (conversation_id or turn.conversation.id), Retro.phase.in_(OPEN))
            .order_by(Retro.id.desc())
            .limit(1)
        )

    async def _current_round(self, turn: Turn, retro: Retro) -> Round | None:
        if retro.phase == "collecting" and retro.collect_round_id is not None:
            return await turn.session.get(Round, retro.collect_round_id)
        rounds = await turn.session.scalars(
            select(Round).where(Round.kind == VOTE, Round.state == "open", Round.tenant_id == turn.tenant.id)
        )
        return next((round for round in rounds if round.context.get("retro") == retro.id), None)

    def _may_steer(self, turn: Turn, retro: Retro) -> None:
        if not (turn.is_manager or retro.starter_member_id == turn.member.id):
            raise UsageError("retros.not_allowed")

    # --- start, show, status -----------------------------------------------------------------------------

    def _length(self, turn: Turn, args: Args) -> timedelta:
        until, length = args.time("until"), args.duration("for")
        if until is not None:
            zone = member_timezone(turn.member)
            local = turn.now.astimezone(zone)
            end = datetime.combine(local.date(), until, tzinfo=zone)
            if end <= local:
                end += timedelta(days=1)
            length = end.astimezone(UTC) - turn.now
        length = length or DEFAULT_LENGTH
        if not timedelta(minutes=1) <= length <= MAX_LENGTH:
            raise UsageError("retros.bad_length")
        return length

    async def start(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        template, questions = TEMPLATES[args.string("template") or "classic"], None
        if (name := args.string("own")) is not None:
            row = await find(turn.session, turn.tenant.id, name)
            if row is None or args.string("template"):
                raise UsageError("retros.unknown_template", name=name[:40])
            template, questions = as_template(row), list(row.questions)
        card = await self._begin(
            turn,
            turn.conversation.id,
            template=template.name,
            questions=questions,
            length=self._length(turn, args),
            anonymous=args.flag("anonymous") or template.anonymous,
            votes=args.number("votes") or (DEFAULT_VOTES if args.flag("vote") else 0),
            title=(args.string("title") or "")[:200] or None,
        )
        return [card]

    async def _begin(
        self,
        turn: Turn,
        conversation_id: int,
        *,
        template: str,
        questions: list[str] | None = None,
        length: timedelta,
        anonymous: bool,
        votes: int,
        title: str | None,
    ) -> OutboundMessage:
        """Open a retro in `conversation_id`: its row, and the engine round that invites the channel's roster."""
        if await self._open(turn, conversation_id) is not None:
            raise UsageError("retros.already_open")
        previous = await turn.session.scalar(
            select(Retro)
            .where(Retro.conversation_id == conversation_id, Retro.phase == "closed")
            .order_by(Retro.id.desc())
            .limit(1)
        )
        retro = Retro(
            tenant_id=turn.tenant.id,
            conversation_id=conversation_id,
            starter_member_id=turn.member.id,
            template=template,
            questions=questions,
            title=title,
            anonymous=anonymous,
            votes_per_member=votes,
            phase="collecting",
            answered=0,
            created_at=turn.now,
        )
        turn.session.add(retro)
        await turn.session.flush()
        names = await turn.session.scalars(
            select(Member.display_name)
            .join(ConversationMember, ConversationMember.member_id == Member.id)
            .where(ConversationMember.conversation_id == conversation_id, Member.display_name.is_not(None))
            .limit(MAX_NAMES)
        )
        first_names = [name.split()[0] for name in names if name]
        round = await self._engine.open_round(
            turn.session, collect_plan(retro, turn.now, length, turn.language, first_names)
        )
        retro.collect_round_id = round.id
        turn.after_commit.append(self._engine.changed)
        return await self._card(turn, retro, round, previous)

    # --- after a meeting: a one-click retro for its channel -------------------------------------------------

    async def offer_after_meeting(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        """The platform says a meeting in this channel ended: offer its organiser (if they may start one) a
        retro here, unless one is open already."""
        if turn.conversation.kind == "direct" or not turn.is_manager or await self._open(turn) is not None:
            return []
        title = action.value.strip() or TEMPLATES["classic"].title(turn.t)
        text = turn.t("retros.meeting_offer", title=title)
        start = Button(turn.t("retros.meeting_start"), QUICK_START_ACTION, str(turn.conversation.id), style="primary")
        return [OutboundMessage(text=text, blocks=(Text(text), Buttons((start,))), private=True)]

    async def quick_start(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        conversation = await turn.session.get(Conversation, _number(action.value))
        if conversation is None or conversation.tenant_id != turn.tenant.id or conversation.kind == "direct":
            raise UsageError("errors.unknown_action")
        if not turn.is_manager:
            raise UsageError("retros.not_allowed")
        card = await self._begin(
            turn, conversation.id, template="classic", length=DEFAULT_LENGTH, anonymous=False, votes=0, title=None
        )
        return [replace(card, private=True, replace_source=True)]

    async def _card(self, turn: Turn, retro: Retro, round: Round, previous: Retro | None) -> OutboundMessage:
        t = turn.t
        template = template_of(retro.template, retro.questions)
        title = retro.title or template.title(t)
        closes = round.closes_at.astimezone(member_timezone(turn.member)).strftime("%Y-%m-%d %H:%M")
        blocks: list[Header | Text | Context | Buttons] = [Header(t("retros.card_title", title=title))]
        blocks.append(Text("\n".join(f"• {template.question(t, q)}" for q in template.question_ids)))
        rules = [t("retros.closes", time=closes)]
        rules.append(t("retros.anonymous_note" if retro.anonymous else "retros.named_note"))
        if retro.votes_per_member:
            rules.append(t("retros.voting_note", votes=retro.votes_per_member))
        blocks.append(Context(" · ".join(rules)))
        if previous is not None:
            learned = [item.text.splitlines()[0] for item in await learnings(turn.session, previous)]
            if learned:
                blocks.append(Text(t("retros.since_last") + "\n" + "\n".join(f"• {line}" for line in learned)))
        open_actions = await self._open_actions(turn)
        if open_actions:
            blocks.append(Text(t("retros.open_actions_ask")))
            for action, owner in open_actions:
                blocks.append(Text(action_line(turn, action, owner)))
                blocks.append(Buttons((Button(t("retros.mark_done"), DONE_ACTION, str(action.id)),)))
        blocks.append(Buttons((Button(t("retros.answer"), ANSWER_ACTION, str(retro.id), style="primary"),)))
        return OutboundMessage(text=t("retros.card_title", title=title), blocks=tuple(blocks))

    async def show(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        retro = await self._open(turn) if turn.conversation.kind != "direct" else None
        if retro is None:
            return _reply(turn.t("retros.none_open"))
        round = await self._current_round(turn, retro)
        title = retro.title or template_of(retro.template, retro.questions).title(turn.t)
        closes = round.closes_at.astimezone(member_timezone(turn.member)).strftime("%Y-%m-%d %H:%M") if round else "–"
        return _reply(turn.t(f"retros.show_{retro.phase}", title=title, time=closes))

    async def status(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        retro = await self._open(turn)
        if retro is None:
            return _reply(turn.t("retros.none_open"))
        round = await self._current_round(turn, retro)
        if round is None:
            return _reply(turn.t("retros.none_open"))
        asked = await turn.session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.round_id == round.id, Delivery.purpose == "invitation", Delivery.member_id.is_not(None))
        )
        responses = (
            await turn.session.execute(
                select(Response.respondent, Response.answers).where(Response.round_id == round.id)
            )
        ).all()
        given = [key for key, answers in responses if answered([ResponseView(None, None, dict(answers or {}), False)])]
        if retro.anonymous:
            # Who answered when is what a running count of a few would give away: the shared rule decides.
            shown = self._rule.single(given, len(given))
            if isinstance(shown, Withheld):
                return _reply(turn.t(f"retros.status_{retro.phase}_few", k=shown.k, asked=asked or 0))
        return _reply(turn.t(f"retros.status_{retro.phase}", answered=len(given), asked=asked or 0))

    # --- close, extend, delete -----------------------------------------------------------------------------

    async def _steered(self, turn: Turn) -> tuple[Retro, Round]:
        retro = await self._open(turn)
        if retro is None:
            raise UsageError("retros.none_open")
        self._may_steer(turn, retro)
        round = await self._current_round(turn, retro)
        if round is None or round.state != "open":
            raise UsageError("retros.none_open")
        return retro, round

    async def close(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        retro, round = await self._steered(turn)
        round.closes_at = min(round.closes_at, turn.now)
        round.remind_at = None
        turn.after_commit.append(self._engine.changed)
        return _reply(turn.t(f"retros.closing_{retro.phase}"), private=False)

    async def extend(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        _, round = await self._steered(turn)
        by = args.duration("by")
        assert by is not None  # a required argument
        if round.closes_at + by - turn.now > MAX_LENGTH:
            raise UsageError("retros.bad_length")
        round.closes_at += by
        turn.after_commit.append(self._engine.changed)
        closes = round.closes_at.astimezone(member_timezone(turn.member)).strftime("%Y-%m-%d %H:%M")
        return _reply(turn.t("retros.extended", time=closes), private=False)

    async def delete(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        retro, round = await self._steered(turn)
        retro.phase, retro.closed_at = "deleted", turn.now
        # The round goes with its invitations and every answer (the engine's rows cascade).
        await turn.session.delete(round)
        return _reply(turn.t("retros.deleted"), private=False)

    async def make_anonymous(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        """Make the open retro anonymous (never the other way): answers so far lose their author's id and are
        keyed by the round's secret, which goes at close like any anonymous round's."""
        retro, round = await self._steered(turn)
        if retro.anonymous:
            return _reply(turn.t("retros.already_anonymous"))
        if retro.phase != "collecting":
            raise UsageError("retros.anonymous_too_late")
        retro.anonymous = round.anonymous = True
        round.secret = secrets.token_hex(16)
        for response in await turn.session.scalars(select(Response).where(Response.round_id == round.id)):
            if response.member_id is not None:
                response.respondent = respondent_key(round, response.member_id)
                response.member_id = None
        return _reply(turn.t("retros.now_anonymous"), private=False)

    # --- action items --------------------------------------------------------------------------------------

    async def _open_actions(self, turn: Turn) -> list[tuple[RetroAction, Member | None]]:
        rows = await turn.session.execute(
            select(RetroAction, Member)
            .outerjoin(Member, Member.id == RetroAction.owner_member_id)
            .where(RetroAction.conversation_id == turn.conversation.id, RetroAction.done_at.is_(None))
            .order_by(RetroAction.id)
        )
        return [(action, owner) for action, owner in rows]

    async def add_action(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        text = (args.string("text") or "").strip()
        if not text:
            raise UsageError("retros.action_empty")
        retro = await turn.session.scalar(
            select(Retro)
            .where(Retro.conversation_id == turn.conversation.id, Retro.phase != "deleted")
            .order_by(Retro.id.desc())
            .limit(1)
        )
        return await self._actions.add(turn, retro, text, args.member("owner") or turn.member, args.date("by"))

    async def actions(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        open_actions = await self._open_actions(turn)
        if not open_actions:
            return _reply(turn.t("retros.no_actions"))
        lines = [turn.t("retros.actions_title")] + [action_line(turn, a, o) for a, o in open_actions]
        return _reply("\n".join(lines))

    # --- buttons -------------------------------------------------------------------------------------------

    async def done(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        item = await turn.session.get(RetroAction, _number(action.value))
        if item is None or item.tenant_id != turn.tenant.id:
            raise UsageError("errors.unknown_action")
        if item.owner_member_id != turn.member.id and not turn.is_manager:
            raise UsageError("retros.not_your_action")
        if item.done_at is None:
            item.done_at = turn.now
            round = await turn.session.get(Round, item.round_id) if item.round_id else None
            if round is not None and item.owner_member_id is not None and round.state == "open":
                # Answered: the engine's reminder before the due date skips it.
                await save_response(turn.session, round, item.owner_member_id, {"done": "yes"}, turn.now)
        return _reply(turn.t("retros.action_done_named", text=item.text))

    async def answer_from_channel(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        retro = await turn.session.get(Retro, _number(action.value))
        if retro is None or retro.tenant_id != turn.tenant.id:
            raise UsageError("errors.unknown_action")
        if retro.phase != "collecting" or retro.collect_round_id is None:
            raise UsageError("conversations.closed")
        delivery_id = await turn.session.scalar(
            select(Delivery.id).where(
                Delivery.round_id == retro.collect_round_id,
                Delivery.member_id == turn.member.id,
                Delivery.purpose == "invitation",
            )
        )
        if delivery_id is None:
            raise UsageError("retros.not_invited")
        return await self._engine.answers.open_form(turn, replace(action, value=str(delivery_id)))

    async def vote(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        delivery_id, _, number = action.value.partition(":")
        delivery = await turn.session.get(Delivery, _number(delivery_id))
        if delivery is None or delivery.tenant_id != turn.tenant.id or not number.isdigit():
            raise UsageError("errors.unknown_action")
        if delivery.member_id != turn.member.id:
            raise UsageError("conversations.not_yours")
        round = await turn.session.get_one(Round, delivery.round_id)
        if round.kind != VOTE:
            raise UsageError("errors.unknown_action")
        if round.state != "open" or round.closes_at <= turn.now:
            raise UsageError("conversations.closed")
        response = await save_response(
            turn.session, round, turn.member.id, {"votes": number[:5]}, turn.now, append_to="votes"
        )
        view = await round_view(turn.session, round)
        return [self._votes.saved(turn.t, view, response.answers, late=False)]


def collect_plan(retro: Retro, now: datetime, length: timedelta, language: str, names: list[str]) -> RoundPlan:
    """The engine round that collects a retro's items: every member of the channel by DM, reminded at half time,
    summed up in the channel."""
    return RoundPlan(
        kind=COLLECT,
        tenant_id=retro.tenant_id,
        audience=Audience.members_of(retro.conversation_id),
        due_at=now,
        window=Window(length, remind_fraction=0.5),
        conversation_id=retro.conversation_id,
        summary=True,
        anonymous=retro.anonymous,
        context={
            "retro": retro.id,
            "template": retro.template,
            "questions": retro.questions,
            "title": retro.title,
            "language": language,
            "names": names,
        },
    )


def _number(value: str) -> int:
    return row_id(value) or 0
