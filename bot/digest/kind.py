"""The weekly digest ("fredagsfortælling") as a kind of the conversation engine: a channel series that fires on
its day at the channel's local time (the team's time zone), skipped on the team's public holidays like any channel
post, and whose one invitation is the digest itself, worded in the channel's language, with a chart attached."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.charts import Chart, Series, render_png
from bot.conversations.kinds import FieldSpec, Invitation, QuietClose, RoundView
from bot.db.models import Tenant
from bot.digest.content import Digest, Figure, digest_for
from bot.kudos.commands import learning_button
from bot.model import Block, Buttons, Context, Form, Header, OutboundFile, OutboundMessage, Text
from bot.privacy.k_anonymity import Rule, Shown, reason_key
from bot.retros.templates import TEMPLATES

KIND = "digest.weekly"
SNIPPET = 200


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def _figure(t: Translator, key: str, figure: Figure) -> str:
    """A figure's line, or why it is not shown."""
    if isinstance(figure, Shown):
        return t(key, count=figure.value)
    return t(key + "_withheld", reason=t(reason_key(figure), k=figure.k))


def _value(figure: Figure) -> float | None:
    return float(figure.value) if isinstance(figure, Shown) else None


def chart_png(t: Translator, digest: Digest, zone: ZoneInfo) -> bytes:
    categories = [start.astimezone(zone).strftime("%d/%m") for start, _, _ in digest.weeks]
    chart = Chart(
        t("digest.chart_title"),
        categories,
        (
            Series(t("digest.chart_learnings"), [_value(learnings) for _, learnings, _ in digest.weeks]),
            Series(t("digest.chart_kudos"), [_value(kudos) for _, _, kudos in digest.weeks]),
        ),
    )
    return render_png(chart, width=800, height=400)


def render(t: Translator, digest: Digest, zone: ZoneInfo) -> OutboundMessage:
    local_end = digest.end.astimezone(zone)
    title = t("digest.title", date=local_end.date().isoformat())
    blocks: list[Block] = [Header(title)]
    if digest.top:
        blocks.append(Text(t("digest.top_title")))
        for top in digest.top:
            learning = top.learning
            author = learning.author.display_name or t("digest.someone")
            kudos = t("digest.kudos_count", count=top.kudos.value) if isinstance(top.kudos, Shown) else ""
            blocks.append(Text(_snippet(learning.text)))
            blocks.append(Context(" · ".join(part for part in (author, kudos, f"#{learning.id}") if part)))
            # Anyone in the channel may add theirs (not the author: the button refuses that kindly).
            button = learning_button(t, learning, viewer_id=0)
            if button is not None:
                blocks.append(Buttons((button,)))
    for retro in digest.retros:
        template = TEMPLATES[retro.template]
        name = retro.title or template.title(t)
        blocks.append(Text(t("digest.retro_title", title=name) + "\n" + "\n".join(f"• {item}" for item in retro.items)))
    figures = digest.figures
    lines = [
        _figure(t, "digest.learnings", figures.learnings),
        _figure(t, "digest.kudos", figures.kudos),
        _figure(t, "digest.applied", figures.applied),
    ]
    if isinstance(figures.milestones, Shown) and figures.milestones.value:
        lines.append(t("digest.milestones", count=figures.milestones.value))
    blocks.append(Text("\n".join(lines)))
    if digest.quiet:
        blocks.append(Text(t("digest.quiet")))
    blocks.append(Context(t("digest.footer")))
    chart = OutboundFile(
        f"digest-{local_end.date().isoformat()}.png", chart_png(t, digest, zone), t("digest.chart_title"), "image/png"
    )
    return OutboundMessage(text=title, blocks=tuple(blocks), files=(chart,))


class DigestKind(QuietClose):
    name = KIND
    fields: tuple[FieldSpec, ...] = ()
    accepts_late = False
    reply_field: str | None = None

    def __init__(self, rule: Rule) -> None:
        self._rule = rule

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        if round.conversation_id is None or not in_channel:
            return lambda _: None
        tenant = await session.get_one(Tenant, round.tenant_id)
        # The channel's language: the one it was turned on in (a Danish team's channel in an English workspace).
        language = round.settings.get("language")
        if isinstance(language, str) and language in t.catalog.languages:
            t = t.catalog.translator(language)
        digest = await digest_for(session, self._rule, round.tenant_id, round.conversation_id, round.due_at)
        message = replace(render(t, digest, ZoneInfo(tenant.timezone)), language=t.language)
        return lambda _: message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        return OutboundMessage.plain(t("digest.title", date=round.due_at.date().isoformat()))

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        return Form("digest.none", t("digest.title", date=round.due_at.date().isoformat()), t("digest.ok"), ())

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        return OutboundMessage.plain(t("digest.ok"), private=True)
