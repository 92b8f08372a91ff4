"""Adaptive Card rendering, checked by Microsoft's own parser (npm adaptivecards) in one batch."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

from adapters.teams.cards import MAX_CARD_BYTES, render, render_submission
from adapters.teams.translate import DATA_KEY
from bot.model import (
    Button,
    Buttons,
    Context,
    Divider,
    Fields,
    Form,
    Header,
    Input,
    Option,
    OutboundMessage,
    Text,
)
from tests.teams.node_tools import JS, node_modules

EVERY_BLOCK = OutboundMessage(
    text="Weekly retro",
    blocks=(
        Header("Weekly retro"),
        Text("What went well? *Stars* and _underscores_ stay text."),
        Fields((("Team", "Platform"), ("Due", "Friday 14:00"))),
        Divider(),
        Context("Only you can see this"),
        Buttons(
            (
                Button("Start", "retro.start", "7", style="primary"),
                Button("Skip", "retro.skip", "7", style="danger"),
                Button("Later", "retro.later"),
            )
        ),
        Form(
            "retro.answer",
            "Your answers",
            "Send",
            (
                Input("well", "What went well?", kind="multiline", max_length=3000, placeholder="A sentence or two"),
                Input("short", "One word", initial="calm", optional=True),
                Input(
                    "mood",
                    "Mood",
                    kind="select",
                    options=(Option("good", "Good"), Option("meh", "So-so")),
                    initial="good",
                ),
                Input("share", "Share with the team", kind="checkbox", initial=True),
            ),
            value="retro-7",
        ),
    ),
)


def _cards(message: OutboundMessage) -> list[dict[str, Any]]:
    return [activity["attachments"][0]["content"] for activity in render(message)]


def _validate(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    modules = node_modules()
    result = subprocess.run(
        [shutil.which("node") or "node", str(JS / "validate_cards.js")],
        input=json.dumps(cards),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"NODE_PATH": str(modules), "PATH": "/usr/bin:/bin"},
    )
    return list(json.loads(result.stdout))


def test_every_block_renders_to_cards_microsofts_parser_accepts() -> None:
    long_text = OutboundMessage(text="many", blocks=tuple(Text("learning " * 400) for _ in range(20)))
    submitted = render_submission("Your answers", {"well": "What went well?"}, {"well": "Pairing"}, "Thanks")
    plain = OutboundMessage.plain("Saved.")
    cards = [*_cards(EVERY_BLOCK), *_cards(long_text), submitted, *_cards(plain)]
    assert len(_cards(long_text)) > 1  # split rather than refused by Teams
    assert all(len(json.dumps(card).encode()) <= MAX_CARD_BYTES + 1_000 for card in cards)
    results = _validate(cards)
    assert [result["problems"] for result in results] == [[] for _ in cards]
    assert all(result["rendered"] and result["version"] == "1.5" for result in results)


def test_form_inputs_and_submit_data_round_trip_through_the_card() -> None:
    [card] = _cards(EVERY_BLOCK)
    inputs = {element["id"]: element for element in card["body"] if element["type"].startswith("Input.")}
    assert inputs["well"]["type"] == "Input.Text" and inputs["well"]["isMultiline"] is True
    assert inputs["well"]["maxLength"] == 3000 and inputs["well"]["isRequired"] is True
    assert inputs["short"]["isRequired"] is False and inputs["short"]["value"] == "calm"
    assert inputs["mood"]["type"] == "Input.ChoiceSet" and inputs["mood"]["value"] == "good"
    assert inputs["share"]["type"] == "Input.Toggle" and inputs["share"]["value"] == "true"
    submit = card["body"][-1]["actions"][0]
    assert submit["type"] == "Action.Submit" and submit["title"] == "Send"
    assert submit["data"][DATA_KEY]["action"] == "retro.answer"
    assert submit["data"][DATA_KEY]["toggles"] == ["share"]
    buttons = next(e for e in card["body"] if e["type"] == "ActionSet")["actions"]
    assert [b.get("style") for b in buttons] == ["positive", "destructive", None]
    separated = next(e for e in card["body"] if e.get("separator"))
    assert separated["text"] == "Only you can see this"  # the divider separates what follows it


def test_the_parser_does_flag_broken_cards() -> None:
    """The control for the test above: the same check reports unknown elements and duplicate input ids."""
    broken = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "Bogus"}, {"type": "Input.Text", "id": "a"}, {"type": "Input.Text", "id": "a"}],
    }
    [result] = _validate([broken])
    messages = " ".join(problem["message"] for problem in result["problems"])
    assert "Bogus" in messages and "Duplicate Id" in messages
