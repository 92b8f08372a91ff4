"""A retro over Teams activities and the fake Bot Connector, every card checked by Microsoft's parser: a member
is refused, the roster is invited in 1:1 chats, answers through card forms (one edited with an item deleted),
the half-time reminder to those who have not answered, close, votes by card action, the summary in the channel,
an action item marked done from the owner's chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.conversations.tables import Response
from bot.retros.tables import RetroAction, RetroItem
from tests.teams.conftest import Rig
from tests.teams.fake_connector import card_text
from tests.teams.test_cards import _validate
from tests.teams.test_teams_roles import ANNA, BO, said

CARL = {"id": "29:1carl", "name": "Carl Svensson", "aadObjectId": "aad-carl"}
EVA = {"id": "29:1eva", "name": "Eva Ek", "aadObjectId": "aad-eva"}
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def direct(person: dict[str, str]) -> str:
    return f"a:direct-{person['id']}"


def actions(send: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(send.body.get("attachments") or [])
    return found


def sent_to(rig: Rig, conversation: str, since: int = 0) -> list[Any]:
    return [call for call in rig.connector.sends[since:] if call.conversation.split(";")[0] == conversation]


async def submit(rig: Rig, person: dict[str, str], data: dict[str, Any]) -> None:
    activity = rig.activity("card_submit", value=data, replyToId="activity-1")
    activity["from"] = person
    activity["conversation"] = {"conversationType": "personal", "tenantId": "tenant-contoso", "id": direct(person)}
    assert (await rig.post(activity)).status == 201


async def answer(rig: Rig, person: dict[str, str], values: dict[str, str]) -> dict[str, Any]:
    """Press Answer on the member's latest invitation, fill the card form, submit it; returns the form card."""
    invitation = next(c for c in reversed(sent_to(rig, direct(person))) if card_text(c.body).startswith("Retro:"))
    before = len(rig.connector.sends)
    await submit(rig, person, actions(invitation)[0]["data"])
    form = rig.connector.sends[before]
    card: dict[str, Any] = form.body["attachments"][0]["content"]
    inputs = [element["id"] for element in card["body"] if element["type"].startswith("Input.")]
    await submit(rig, person, {**actions(form)[-1]["data"], **{i: values.get(i, "") for i in inputs}})
    return card


async def tick(rig: Rig, clock: ManualClock, delta: timedelta) -> None:
    clock.set(START + delta)
    await rig.app.conversations.tick()
    await rig.app.conversations.tick()


async def test_a_retro_in_teams_from_mention_to_done_action(rig: Rig, clock: ManualClock) -> None:
    clock.set(START)
    assert (await rig.post(rig.activity("team_install"))).status == 201  # Anna installs: she is admin
    await rig.turns.drain()
    await said(rig, ANNA, "language en")
    assert "Only managers and admins" in await said(rig, BO, "retro start for 1h")
    assert "Retro: Sprint 12" in await said(rig, ANNA, "retro start for 1h votes 3 title Sprint 12")
    await tick(rig, clock, timedelta(0))
    invited = {c.conversation for c in rig.connector.sends if "Retro: Sprint 12" in card_text(c.body)}
    assert {direct(p) for p in (ANNA, BO, CARL, EVA)} <= invited

    await answer(rig, BO, {"q1": "Pairing on the release", "q3": "Small pull requests get reviewed faster"})
    await answer(rig, CARL, {"q2": "Deploys are slow\nToo many meetings"})
    edited = await answer(rig, CARL, {"q2": "Deploys are slow"})
    q2 = next(element for element in edited["body"] if element.get("id") == "q2")
    assert q2["value"] == "Deploys are slow\nToo many meetings"  # the edit starts from what was saved
    await answer(rig, EVA, {"q2": "Deploys are slow, really slow"})

    before = len(rig.connector.sends)
    await tick(rig, clock, timedelta(minutes=30))
    reminded = {c.conversation for c in rig.connector.sends[before:] if "Half time" in card_text(c.body)}
    assert direct(ANNA) in reminded and not reminded & {direct(BO), direct(CARL), direct(EVA)}

    assert "Only managers and whoever started" in await said(rig, BO, "retro close")
    await said(rig, ANNA, "retro close")
    before = len(rig.connector.sends)
    await tick(rig, clock, timedelta(minutes=31))
    vote = next(c for c in sent_to(rig, direct(BO), before) if card_text(c.body).startswith("Vote"))
    plus = [action for action in actions(vote) if action["title"].startswith("+1")]
    await submit(rig, BO, plus[1]["data"])  # item 2: the deploys group
    await submit(rig, BO, plus[1]["data"])

    before = len(rig.connector.sends)
    await tick(rig, clock, timedelta(minutes=50))
    [summary] = [c for c in rig.connector.sends[before:] if "Retro summary" in card_text(c.body)]
    assert summary.conversation.startswith("19:general@thread.tacv2")
    assert "Deploys are slow (+1 similar) — 2 votes" in card_text(summary.body)

    bo = {"mentioned": {"id": "29:1bo", "name": "Bo Berg"}, "text": "<at>Bo Berg</at>", "type": "mention"}
    added = await said(rig, ANNA, "retro action Speed up deploys <at>Bo Berg</at> by 2026-11-30", bo)
    assert "Speed up deploys — Bo Berg (due 2026-11-30)" in added
    [updated] = [c for c in rig.connector.updates if "Retro summary" in card_text(c.body)]  # in place
    assert updated.activity_id is not None and "Speed up deploys" in card_text(updated.body)
    before = len(rig.connector.sends)
    await tick(rig, clock, timedelta(minutes=51))
    [assigned] = sent_to(rig, direct(BO), before)
    await submit(rig, BO, actions(assigned)[0]["data"])
    assert "Marked done: Speed up deploys" in " ".join(card_text(c.body) for c in rig.connector.sends[-2:])
    async with rig.app.sessions() as session:
        assert (await session.scalars(select(RetroAction))).one().done_at is not None
        votes = {item.text.splitlines()[0]: item.votes for item in await session.scalars(select(RetroItem))}
    assert votes["Deploys are slow"] == 2

    cards = [a["content"] for c in rig.connector.sends for a in c.body.get("attachments") or []]
    cards += [a["content"] for c in rig.connector.updates for a in c.body.get("attachments") or []]
    assert [result["problems"] for result in _validate(cards)] == [[] for _ in cards]


def meeting_end(rig: Rig, person: dict[str, str]) -> dict[str, Any]:
    activity = rig.activity("channel_mention", type="event", name="application/vnd.microsoft.meetingEnd")
    activity.pop("text")
    activity.pop("entities")
    activity["from"] = person
    activity["value"] = {"Id": "m1", "MeetingType": "Scheduled", "Title": "Sprint review", "EndTime": "2026-11-23"}
    return activity


async def test_a_meeting_end_offers_its_organiser_a_one_click_retro(rig: Rig, clock: ManualClock) -> None:
    clock.set(START)
    assert (await rig.post(rig.activity("team_install"))).status == 201  # Anna installs: she is admin
    await rig.turns.drain()
    await said(rig, ANNA, "language en")
    before = len(rig.connector.sends)
    assert (await rig.post(meeting_end(rig, BO))).status in (200, 201)  # Bo may not start one: no offer
    assert rig.connector.sends[before:] == []

    assert (await rig.post(meeting_end(rig, ANNA))).status in (200, 201)
    [offer] = [c for c in rig.connector.sends[before:] if "Sprint review" in card_text(c.body)]
    assert offer.conversation == direct(ANNA) and "Run a short retro" in card_text(offer.body)
    await submit(rig, ANNA, actions(offer)[0]["data"])
    await tick(rig, clock, timedelta(0))
    invited = {c.conversation for c in rig.connector.sends if card_text(c.body).startswith("Retro: Retro")}
    assert {direct(p) for p in (ANNA, BO, CARL, EVA)} <= invited
    assert "is collecting answers" in await said(rig, BO, "retro")
    cards = [a["content"] for c in rig.connector.sends[before:] for a in c.body.get("attachments") or []]
    assert [result["problems"] for result in _validate(cards)] == [[] for _ in cards]


async def submit_in_channel(rig: Rig, person: dict[str, str], data: dict[str, Any], reply_to: str) -> None:
    channel = rig.activity("channel_mention")
    activity = rig.activity("card_submit", value=data, replyToId=reply_to)
    activity.update({"from": person, "conversation": channel["conversation"], "channelData": channel["channelData"]})
    assert (await rig.post(activity)).status == 201


async def test_teams_own_template_blameless_second_look_withheld_note_and_action_button(
    rig: Rig, clock: ManualClock
) -> None:
    clock.set(START)
    assert (await rig.post(rig.activity("team_install"))).status == 201  # Anna installs: she is admin
    await rig.turns.drain()
    await said(rig, ANNA, "language en")
    added = await said(rig, ANNA, "retro template add sprint What did we ship? | What slowed us down? | Next?")
    assert "Template “sprint” added" in added
    assert "Retro: Sprint" in await said(rig, ANNA, "retro start for 1h sprint anonymous")
    await tick(rig, clock, timedelta(0))

    # Blame is handed back before anything is saved, with a rewording; saving from there keeps Bo's words.
    invitation = next(c for c in sent_to(rig, direct(BO)) if card_text(c.body).startswith("Retro:"))
    before = len(rig.connector.sends)
    await submit(rig, BO, actions(invitation)[0]["data"])
    form = rig.connector.sends[before]
    assert "What slowed us down?" in card_text(form.body)
    before = len(rig.connector.sends)
    await submit(rig, BO, {**actions(form)[-1]["data"], "q1": "", "q2": "Because Carl forgot the tests", "q3": ""})
    [second_look] = rig.connector.sends[before:]
    text = card_text(second_look.body)
    assert "sounds like blame" in text and "Because we forgot the tests" in text and "Saved" not in text
    async with rig.app.sessions() as session:
        assert await session.scalar(select(Response.id).limit(1)) is None
    kept = {**actions(second_look)[-1]["data"], "q1": "", "q2": "Because Carl forgot the tests", "q3": ""}
    before = len(rig.connector.sends)
    await submit(rig, BO, kept)
    assert "Saved: 1 items" in card_text(rig.connector.sends[before].body)
    await answer(rig, CARL, {"q1": "The export"})

    # Two answers in an anonymous retro: nothing in the channel, Anna told why in her chat, without a count.
    before = len(rig.connector.sends)
    await tick(rig, clock, timedelta(hours=1))
    after = rig.connector.sends[before:]
    assert not [c for c in after if c.conversation.startswith("19:general")]
    [note] = [c for c in after if "has closed" in card_text(c.body)]
    assert note.conversation == direct(ANNA) and "Fewer than 5 members" in card_text(note.body)
    assert "2" not in card_text(note.body) and "forgot" not in card_text(note.body)

    # A named retro: its summary's Action button opens a form; Carl is picked as the owner.
    await said(rig, ANNA, "retro start for 1h")
    await tick(rig, clock, timedelta(hours=1, minutes=1))
    await answer(rig, BO, {"q2": "Deploys are slow"})
    before = len(rig.connector.sends)
    await tick(rig, clock, timedelta(hours=2, minutes=2))
    [summary] = [c for c in rig.connector.sends[before:] if "Retro summary" in card_text(c.body)]
    [make] = [action for action in actions(summary) if action["title"] == "➕ Action: Deploys are slow"]
    before = len(rig.connector.sends)
    await submit_in_channel(rig, ANNA, make["data"], "summary-1")
    # Teams has no private replies in a channel: the form comes to Anna's 1:1 chat, with a note in the channel.
    [form] = [c for c in rig.connector.sends[before:] if c.conversation == direct(ANNA)]
    card = form.body["attachments"][0]["content"]
    owners = next(element for element in card["body"] if element.get("id") == "owner")
    carl = next(choice["value"] for choice in owners["choices"] if choice["title"] == "Carl Svensson")
    fields = {"text": "Speed up deploys", "owner": carl, "due": "2026-12-01"}
    await submit(rig, ANNA, {**actions(form)[-1]["data"], **fields})
    assert any("Speed up deploys — Carl Svensson (due 2026-12-01)" in card_text(c.body) for c in rig.connector.sends)
    assert any("Speed up deploys" in card_text(c.body) for c in rig.connector.updates)  # the summary, in place
    before = len(rig.connector.sends)
    await tick(rig, clock, timedelta(hours=2, minutes=3))
    assert any("You own an action item" in card_text(c.body) for c in sent_to(rig, direct(CARL), before))

    cards = [a["content"] for c in rig.connector.sends for a in c.body.get("attachments") or []]
    cards += [a["content"] for c in rig.connector.updates for a in c.body.get("attachments") or []]
    assert [result["problems"] for result in _validate(cards)] == [[] for _ in cards]
