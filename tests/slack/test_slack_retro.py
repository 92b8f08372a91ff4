"""A retro over signed Slack HTTP with the fake Web API validating every Block Kit payload: `/retro start` by an
admin (a member is refused), DM invitations to the whole roster, answers in modals (one edited, one item deleted),
the half-time reminder to the one who has not answered, close, votes by button, the summary in the channel, an
action item marked done from the owner's DM."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.retros.tables import RetroAction, RetroItem
from tests.slack.conftest import SlackRig, payload
from tests.slack.test_slack_roster import settle

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PEOPLE = {"U111": "Anna", "U222": "Bo", "U333": "Cy", "U444": "Di"}


def buttons(call: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for block in call.get("blocks", []) if block["type"] == "actions" for e in block["elements"]]


def posted_to(slack: SlackRig, channel: str, since: int = 0) -> list[dict[str, Any]]:
    return [call for call in slack.api.of("chat.postMessage")[since:] if call["channel"] == channel]


async def press(slack: SlackRig, user: str, channel: str, button: dict[str, Any], name: str) -> None:
    body = payload(
        "block_actions_message",
        user={"id": user, "username": PEOPLE[user].lower(), "name": PEOPLE[user].lower(), "team_id": "T1"},
        channel={"id": channel, "name": "directmessage" if channel.startswith("D") else "general"},
        container={"type": "message", "message_ts": "1700000000.000001", "channel_id": channel, "is_ephemeral": False},
        actions=[{"action_id": button["action_id"], "block_id": "b1", "value": button["value"], "type": "button"}],
        trigger_id=f"trigger-{name}",
    )
    body["response_url"] = slack.api.response_url(name)
    assert (await slack.interact(body)).status == 200
    await settle(slack)


def number_of(vote: dict[str, Any], item: str) -> str:
    """The number an item is voted by, as the vote message lists it ("2. Deploys are slow")."""
    listed: str = next(
        b["text"]["text"] for b in vote["blocks"] if b["type"] == "section" and item in b["text"]["text"]
    )
    return next(line.split(".")[0] for line in listed.splitlines() if line.split(". ", 1)[1] == item)


async def answer(slack: SlackRig, user: str, answers: dict[str, str], name: str) -> dict[str, Any]:
    """Press Answer in the member's DM invitation, fill the modal, submit it; returns the opened view."""
    channel = "D" + user.lstrip("U")
    invitation = posted_to(slack, channel)[0]
    opened_before = len(slack.api.of("views.open"))
    await press(slack, user, channel, buttons(invitation)[0], name)
    view: dict[str, Any] = (await slack.api.wait_for("views.open", opened_before + 1))[-1]["view"]
    values = {
        block["block_id"]: {
            block["element"]["action_id"]: {"type": "plain_text_input", "value": answers.get(block["block_id"])}
        }
        for block in view["blocks"]
        if block["type"] == "input"
    }
    submission = payload("view_submission", user={"id": user, "username": user, "name": user, "team_id": "T1"})
    submission["view"].update(private_metadata=view["private_metadata"], state={"values": values})
    assert (await slack.interact(submission)).status == 200
    await settle(slack)
    return view


async def said(slack: SlackRig, user: str, text: str, name: str) -> str:
    before = len(slack.api.calls)
    await slack.command("/retro", text, user_id=user, user_name=PEOPLE[user].lower())
    await settle(slack)
    return json.dumps([call.args for call in slack.api.calls[before:]], ensure_ascii=False)


async def tick(slack: SlackRig, clock: ManualClock, delta: timedelta) -> None:
    clock.set(START + delta)
    await slack.app.conversations.tick()
    await slack.app.conversations.tick()


async def test_a_retro_in_slack_from_slash_command_to_done_action(slack: SlackRig, clock: ManualClock) -> None:
    clock.set(START)
    for user, name in PEOPLE.items():
        slack.api.users[user] = {"is_admin": user == "U111", "profile": {"display_name": name}}
    slack.api.channel_members["C111"] = [*PEOPLE, "UBOT"]

    assert "Only managers and admins" in await said(slack, "U222", "start for 1h", "bo")
    started = await said(slack, "U111", "start for 1h votes 3 title Sprint 12", "anna")
    assert "Retro: Sprint 12" in started
    await tick(slack, clock, timedelta(0))
    invited = {call["channel"] for call in slack.api.of("chat.postMessage") if "Retro: Sprint 12" in call["text"]}
    assert {"D111", "D222", "D333", "D444"} <= invited

    await answer(slack, "U222", {"q1": "Pairing on the release", "q3": "Small pull requests get reviewed faster"}, "b1")
    await answer(
        slack, "U333", {"q1": "Pairing on the release went well", "q2": "Deploys are slow\nToo many meetings"}, "c1"
    )
    edited = await answer(
        slack, "U333", {"q1": "Pairing on the release went well", "q2": "Deploys are slow"}, "c2"
    )  # one deleted
    q2 = next(block for block in edited["blocks"] if block.get("block_id") == "q2")
    assert q2["element"]["initial_value"] == "Deploys are slow\nToo many meetings"  # the edit starts from before
    await answer(slack, "U444", {"q2": "Deploys are slow, really slow", "q3": "Feature flags calm releases"}, "d1")

    before = len(slack.api.of("chat.postMessage"))
    await tick(slack, clock, timedelta(minutes=30))
    reminded = {c["channel"] for c in slack.api.of("chat.postMessage")[before:] if "Half time" in c["text"]}
    assert reminded == {"D111"}

    assert "Only managers and whoever started" in await said(slack, "U222", "close", "bo2")
    await said(slack, "U111", "close", "anna2")
    before = len(slack.api.of("chat.postMessage"))
    await tick(slack, clock, timedelta(minutes=31))
    vote = next(call for call in posted_to(slack, "D222", before) if call["text"].startswith("Vote"))
    deploys, flags = number_of(vote, "Deploys are slow"), number_of(vote, "Feature flags calm releases")
    plus = {button["value"].split(":")[1]: button for button in buttons(vote)}
    for number in (deploys, deploys, flags):
        await press(slack, "U222", "D222", plus[number], f"v{len(slack.api.calls)}")
    vote_cy = next(call for call in posted_to(slack, "D333", before) if call["text"].startswith("Vote"))
    await press(slack, "U333", "D333", {b["value"].split(":")[1]: b for b in buttons(vote_cy)}[deploys], "cv")

    before = len(slack.api.of("chat.postMessage"))
    await tick(slack, clock, timedelta(minutes=50))
    [summary] = [call for call in posted_to(slack, "C111", before) if "Retro summary" in call["text"]]
    text = json.dumps(summary["blocks"], ensure_ascii=False)
    assert "Deploys are slow (+1 similar) — 3 votes" in text and "Too many meetings" not in text
    assert "Pairing on the release (+1 similar)" in text

    added = await said(slack, "U111", "action Speed up deploys <@U222> by 2026-11-30", "anna3")
    assert "Speed up deploys — Bo (due 2026-11-30)" in added
    [updated] = slack.api.of("chat.update")  # the summary shows the new action, in place
    assert updated["channel"] == "C111" and "Retro summary" in updated["text"]
    assert "Speed up deploys" in json.dumps(updated["blocks"], ensure_ascii=False)
    before = len(slack.api.of("chat.postMessage"))
    await tick(slack, clock, timedelta(minutes=51))
    [assigned] = posted_to(slack, "D222", before)
    await press(slack, "U222", "D222", buttons(assigned)[0], "done")
    [done] = await slack.api.wait_for("response_url:done")
    assert "Marked done: Speed up deploys" in json.dumps(done, ensure_ascii=False)
    async with slack.app.sessions() as session:
        assert (await session.scalars(select(RetroAction))).one().done_at is not None
        votes = {item.text.splitlines()[0]: item.votes for item in await session.scalars(select(RetroItem))}
    assert votes["Deploys are slow"] == 3


async def submit_view(slack: SlackRig, user: str, view: dict[str, Any], values: dict[str, Any]) -> None:
    """Submit an opened modal with `values` by block id (text, or {"option": value} for a select)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, value = block["element"], values.get(block["block_id"])
        if element["type"] == "static_select":
            chosen = {"type": "static_select", "selected_option": {"value": value} if value else None}
            state[block["block_id"]] = {element["action_id"]: chosen}
        else:
            state[block["block_id"]] = {element["action_id"]: {"type": "plain_text_input", "value": value}}
    submission = payload("view_submission", user={"id": user, "username": user, "name": user, "team_id": "T1"})
    submission["view"].update(private_metadata=view["private_metadata"], state={"values": state})
    assert (await slack.interact(submission)).status == 200
    await settle(slack)


async def test_slack_own_template_blameless_second_look_and_a_summary_item_made_an_action(
    slack: SlackRig, clock: ManualClock
) -> None:
    clock.set(START)
    for user, name in PEOPLE.items():
        slack.api.users[user] = {"is_admin": user == "U111", "profile": {"display_name": name}}
    slack.api.channel_members["C111"] = [*PEOPLE, "UBOT"]
    added = await said(slack, "U111", "template add sprint What did we ship? | What slowed us down? | Next?", "t1")
    assert "Template “sprint” added" in added
    assert "Retro: Sprint" in await said(slack, "U111", "start for 1h sprint", "s1")
    await tick(slack, clock, timedelta(0))

    # The modal's blaming item comes back before anything is saved: a private note whose button reopens the form.
    before = len(slack.api.calls)
    view = await answer(slack, "U222", {"q2": "Because Cy forgot the tests"}, "b1")
    assert [block["label"]["text"] for block in view["blocks"]] == [
        "What did we ship?",
        "What slowed us down?",
        "Next?",
    ]
    notes = [call.args for call in slack.api.calls[before:] if "sounds like blame" in json.dumps(call.args)]
    [note] = notes
    assert note["channel"] == "D222" and "Because we forgot the tests" in json.dumps(note, ensure_ascii=False)
    opened_before = len(slack.api.of("views.open"))
    await press(slack, "U222", "D222", buttons(note)[0], "reopen")
    second: dict[str, Any] = (await slack.api.wait_for("views.open", opened_before + 1))[-1]["view"]
    q2 = next(block for block in second["blocks"] if block["block_id"] == "q2")
    assert q2["element"]["initial_value"] == "Because Cy forgot the tests"  # Bo's words, to keep or reword
    before = len(slack.api.calls)
    await submit_view(slack, "U222", second, {"q2": "Because Cy forgot the tests"})
    assert "Saved: 1 items" in json.dumps([call.args for call in slack.api.calls[before:]], ensure_ascii=False)

    await said(slack, "U111", "close", "c1")
    before = len(slack.api.of("chat.postMessage"))
    await tick(slack, clock, timedelta(minutes=1))
    [summary] = [call for call in posted_to(slack, "C111", before) if "Retro summary" in call["text"]]
    [make] = [button for button in buttons(summary) if button["text"]["text"].startswith("➕ Action: Because Cy")]
    opened_before = len(slack.api.of("views.open"))
    await press(slack, "U111", "C111", make, "make")
    form: dict[str, Any] = (await slack.api.wait_for("views.open", opened_before + 1))[-1]["view"]
    assert form["title"]["text"] == "New action item"
    owner = next(block for block in form["blocks"] if block["block_id"] == "owner")["element"]
    labels = [option["text"]["text"] for option in owner["options"]]
    assert labels == ["Anna", "Bo", "U333", "U444"]  # named first; Cy and Di never wrote, Slack gave no name yet
    bo = owner["options"][1]["value"]
    await submit_view(slack, "U111", form, {"text": "Run the tests in CI", "owner": bo, "due": "30.11.2026"})
    updated = slack.api.of("chat.update")[-1]  # the summary, in place, with the action
    assert updated["channel"] == "C111" and "Run the tests in CI" in json.dumps(updated["blocks"], ensure_ascii=False)
    before = len(slack.api.of("chat.postMessage"))
    await tick(slack, clock, timedelta(minutes=2))
    [assigned] = posted_to(slack, "D222", before)
    assert "You own an action item from the retro: Run the tests in CI (due 2026-11-30)" in assigned["text"]
    async with slack.app.sessions() as session:
        action = (await session.scalars(select(RetroAction))).one()
        assert action.text == "Run the tests in CI" and action.due_on is not None
