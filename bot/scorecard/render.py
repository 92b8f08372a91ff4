"""The scorecard as words (chat and terminal), as a chart, and as CSV rows, in the reader's language.

A withheld figure is said as such, with the reason from the shared rule's catalog text; no figure is ever
about a person, so there is nothing to rank.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog import Translator
from bot.charts import Chart, Series
from bot.model import Block, Context, Fields, Header, OutboundMessage, Text
from bot.privacy.k_anonymity import Shown, Withheld, reason_key
from bot.scorecard.card import Card, Figure, Result
from bot.scorecard.indicators import Unit


@dataclass(frozen=True)
class Line:
    """One figure in words: its label, its value (or why it is withheld), its trend and flag."""

    key: str
    label: str
    value: str
    trend: str
    flag: str
    withheld: str | None  # the reason, in words, when not shown


def _number(t: Translator, value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.replace(".", t("scorecard.decimal_separator"))


def value_text(t: Translator, unit: Unit, value: float | None, parts: tuple[int, int] | None = None) -> str:
    if value is None:
        return t("scorecard.no_data")
    if unit == "percent":
        shown = t("scorecard.percent", value=_number(t, value * 100, 0))
        return t("scorecard.percent_of", value=shown, part=parts[0], whole=parts[1]) if parts else shown
    if unit == "rate":
        return _number(t, value, 1)
    return _number(t, value, 0)


def trend_text(t: Translator, figure: Figure) -> str:
    delta = figure.trend
    if delta is None:
        return ""
    unit = figure.indicator.unit
    amount = abs(delta * 100) if unit == "percent" else abs(delta)
    decimals = 1 if unit == "rate" else 0
    if round(amount, decimals) == 0:
        return t("scorecard.trend_flat")
    key = "scorecard.trend_up" if delta > 0 else "scorecard.trend_down"
    change = _number(t, amount, decimals)
    return t(key, change=t("scorecard.points", change=change) if unit == "percent" else change)


def reason_text(t: Translator, result: Result) -> str | None:
    return t(reason_key(result), k=result.k) if isinstance(result, Withheld) else None


def lines(t: Translator, card: Card) -> list[Line]:
    found = []
    for figure in card.figures:
        indicator = figure.indicator
        withheld = reason_text(t, figure.current)
        if isinstance(figure.current, Shown):
            tally = figure.current.value
            value = value_text(t, indicator.unit, tally.value, tally.parts if indicator.unit == "percent" else None)
        else:
            value = t("scorecard.withheld")
        flag = ""
        if figure.flagged and indicator.flag_below is not None:
            flag = t("scorecard.flag", limit=_number(t, indicator.flag_below * 100, 0))
        found.append(Line(indicator.key, t(indicator.label), value, trend_text(t, figure), flag, withheld))
    return found


def team_name(t: Translator, card: Card) -> str:
    return card.team.name if not card.team.whole and card.team.name else t("scorecard.whole_team")


def title(t: Translator, card: Card) -> str:
    return t("scorecard.title", team=team_name(t, card))


def message(t: Translator, card: Card) -> OutboundMessage:
    heading = title(t, card)
    period = t("scorecard.period", period=card.period.label(), previous=card.period.previous().label())
    blocks: list[Block] = [Header(heading), Context(period)]
    found = lines(t, card)
    if card.all_withheld:
        # One reason for all, said once (a team of 4 has no figure at all).
        reasons = sorted({line.withheld for line in found if line.withheld})
        blocks.append(Text(t("scorecard.nothing_shown") + "\n" + "\n".join(reasons)))
    else:
        pairs = []
        for line in found:
            detail = " · ".join(part for part in (line.value, line.trend, line.flag) if part)
            if line.withheld:
                detail = line.withheld
            pairs.append((line.label, detail))
        blocks.append(Fields(tuple(pairs)))
        blocks.append(Context(t("scorecard.footer")))
    text = "\n".join([heading, period, *(f"{label}: {detail}" for label, detail in _pairs(blocks))])
    return OutboundMessage(
        text=text if not card.all_withheld else f"{heading}\n{t('scorecard.nothing_shown')}", blocks=tuple(blocks)
    )


def _pairs(blocks: list[Block]) -> list[tuple[str, str]]:
    return [pair for block in blocks if isinstance(block, Fields) for pair in block.pairs]


def chart(t: Translator, card: Card) -> Chart:
    """The shares now and in the period before, in %; a withheld figure is a gap."""
    charted = [figure for figure in card.figures if figure.indicator.charted]

    def percent(result: Result) -> float | None:
        if isinstance(result, Shown) and result.value.value is not None:
            return round(result.value.value * 100, 1)
        return None

    marks = sorted(
        {
            (figure.indicator.flag_below * 100, t("scorecard.chart_flag"))
            for figure in charted
            if figure.indicator.flag_below
        }
    )
    return Chart(
        title=title(t, card),
        categories=[t(f"{figure.indicator.label}_short") for figure in charted],
        series=[
            Series(
                t("scorecard.chart_previous", period=card.period.previous().label()),
                [percent(f.previous) for f in charted],
            ),
            Series(t("scorecard.chart_current", period=card.period.label()), [percent(f.current) for f in charted]),
        ],
        y_label="%",
        marks=tuple(marks),
        y_limit=(0, 100),
        label_rotation=20,
    )


CSV_HEADER = (
    "indicator",
    "label",
    "unit",
    "value",
    "numerator",
    "denominator",
    "previous",
    "trend",
    "flag",
    "withheld",
)


def csv_rows(t: Translator, card: Card) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for figure, line in zip(card.figures, lines(t, card), strict=True):
        current = figure.current.value if isinstance(figure.current, Shown) else None
        previous = figure.previous.value.value if isinstance(figure.previous, Shown) else None
        parts = current.parts if current is not None and figure.indicator.unit == "percent" else None
        rows.append(
            (
                figure.indicator.key,
                line.label,
                figure.indicator.unit,
                "" if current is None or current.value is None else round(current.value, 4),
                "" if parts is None else parts[0],
                "" if parts is None else parts[1],
                "" if previous is None else round(previous, 4),
                "" if figure.trend is None else round(figure.trend, 4),
                "yes" if figure.flagged else "",
                figure.current.reason if isinstance(figure.current, Withheld) else "",
            )
        )
    return rows
