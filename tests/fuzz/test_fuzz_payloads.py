"""Wrong JSON types anywhere: captured Slack and Teams payloads with one field (at any depth) replaced by any JSON
value. Properly signed (Slack) or in development mode (Teams), such a request must get an answer below 500 and
leave no error or traceback in the log, including the work Slack's listeners do after the ack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import FUZZ, LogWatch
from tests.fuzz.vocabulary import HOSTILE
from tests.hostile.support import drained
from tests.slack.conftest import PAYLOADS, SlackRig
from tests.teams.conftest import ACTIVITIES, Rig

SLACK_PAYLOADS = sorted(path.stem for path in PAYLOADS.glob("*.json"))
TEAMS_ACTIVITIES = sorted(path.stem for path in ACTIVITIES.glob("*.json"))
FORM = "application/x-www-form-urlencoded"

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.sampled_from(HOSTILE),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=10),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document a value could be replaced."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copy


def _mutated(data: Any, document: dict[str, Any]) -> dict[str, Any]:
    path = data.draw(st.sampled_from(_paths(document)), label="path")
    return _replace(document, path, data.draw(json_values, label="value"))  # type: ignore[no-any-return]


@FUZZ
@given(data=st.data(), name=st.sampled_from(SLACK_PAYLOADS))
async def test_slack_payloads_with_any_field_of_any_type(
    slack: SlackRig, log_watch: LogWatch, data: Any, name: str
) -> None:
    original = json.loads((PAYLOADS / f"{name}.json").read_text())
    if "response_url" in original:
        original["response_url"] = slack.api.response_url()
    document = _mutated(data, original)
    if name == "slash_command":  # a form: every value is text on the wire
        body, content_type = urlencode({key: str(value) for key, value in document.items()}), FORM
    elif document.get("type") == "event_callback" or "event" in original:
        body, content_type = json.dumps(document), "application/json"
    else:
        body, content_type = urlencode({"payload": json.dumps(document)}), FORM
    response = await slack.post(body, content_type)
    assert response.status < 500, (name, document, await response.text())
    await drained(slack)
    log_watch.assert_clean(json.dumps(document)[:300])


@FUZZ
@given(data=st.data(), name=st.sampled_from(TEAMS_ACTIVITIES))
async def test_teams_activities_with_any_field_of_any_type(rig: Rig, log_watch: LogWatch, data: Any, name: str) -> None:
    original = json.loads((ACTIVITIES / f"{name}.json").read_text().replace("{SERVICE_URL}", rig.service_url))
    document = _mutated(data, original)
    response = await rig.post(document)
    assert response.status < 500, (name, document, await response.text())
    await rig.turns.drain()
    log_watch.assert_clean(json.dumps(document)[:300])


def test_the_payload_corpus_is_there() -> None:
    """The fuzzers above draw from these captured payloads; an empty corpus would fuzz nothing."""
    assert len(SLACK_PAYLOADS) >= 5 and len(TEAMS_ACTIVITIES) >= 5
    assert Path(PAYLOADS).is_dir()
