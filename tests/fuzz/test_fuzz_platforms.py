"""Hostile lines into every registered command as a member would send them: signed Slack slash commands and DMs
over HTTP, Teams activities in 1:1 chats and channels. Each must get a 2xx, at least one answer, no error or
traceback in the log, and nothing the bot sends may carry a broadcast mention in a field the platform renders.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import FUZZ, LogWatch
from tests.fuzz.vocabulary import lines
from tests.hostile.support import drained, rendered_broadcasts
from tests.slack.conftest import SlackRig, payload
from tests.teams.conftest import Rig, until

_EVENT_IDS = itertools.count(1)


def _typeable(line: str) -> str:
    """No Slack or Teams client sends U+0000; the edges refuse it with a 400 (tests/hostile/test_edges.py)."""
    return line.replace("\x00", "")


def _slack_escaped(text: str) -> str:
    """What Slack puts on the wire for text a member typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@FUZZ
@given(data=st.data(), how=st.sampled_from(["/learnbot", "/learned", "dm"]))
async def test_slack_answers_every_hostile_line(slack: SlackRig, log_watch: LogWatch, data: Any, how: str) -> None:
    line = _typeable(data.draw(lines(slack.app.bot, slack.app.catalog), label="line"))
    before = len(slack.api.calls)
    if how == "dm":
        envelope = payload("message_im", event_id=f"EvFuzz{next(_EVENT_IDS)}")
        envelope["event"] = {**envelope["event"], "text": _slack_escaped(line)}
        response = await slack.event(envelope)
    else:
        text = line if how == "/learnbot" else line.partition(" ")[2]
        response = await slack.command(how, _slack_escaped(text))
    assert response.status == 200, (line, await response.text())
    await drained(slack)
    sent = slack.api.calls[before:]
    answers = [call for call in sent if call.method.startswith(("chat.", "response_url", "views."))]
    assert answers, f"no answer to {line!r} ({how}); calls: {[call.method for call in sent]}"
    for call in answers:
        assert rendered_broadcasts(call.args, "slack") == [], (line, call.method, json.dumps(call.args)[:500])
    log_watch.assert_clean(line)


@FUZZ
@given(data=st.data(), in_channel=st.booleans())
async def test_teams_answers_every_hostile_line(rig: Rig, log_watch: LogWatch, data: Any, in_channel: bool) -> None:
    line = _typeable(data.draw(lines(rig.app.bot, rig.app.catalog), label="line"))
    before = len(rig.connector.sends)
    if in_channel:
        activity = rig.activity("channel_mention")
        activity["text"] = f"{activity['text']} {line}"
    else:
        activity = rig.activity("personal_message", text=line)
    response = await rig.post(activity)
    assert response.status in (200, 201), (line, await response.text())
    await until(lambda: len(rig.connector.sends) > before, within=5.0)
    for call in rig.connector.sends[before:]:
        assert rendered_broadcasts(call.body, "teams") == [], (line, json.dumps(call.body)[:500])
        assert "entities" not in call.body
    log_watch.assert_clean(line)
