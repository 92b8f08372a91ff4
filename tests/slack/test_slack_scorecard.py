"""The scorecard's chart on Slack: the external upload flow through the fake Web API, into the channel asked in."""

from __future__ import annotations

import json

from tests.scorecard.platform_support import assert_chart, seed_behind
from tests.slack.conftest import SlackRig


async def test_slack_chart_goes_through_the_external_upload(slack: SlackRig) -> None:
    await slack.command("/learnbot", "help")
    await slack.api.wait_for("response_url:r1")
    await seed_behind(slack.app, "U111", "C111")
    await slack.command("/learnbot", "scorecard months 3")
    [ticket] = await slack.api.wait_for("files.getUploadURLExternal", within=30)
    [completed] = await slack.api.wait_for("files.completeUploadExternal", within=30)
    assert completed["channel_id"] == "C111"
    [file] = json.loads(completed["files"])
    png = slack.api.uploads[file["id"]]
    assert ticket["filename"].endswith(".png") and int(ticket["length"]) == len(png)
    assert file["title"].startswith("Learning scorecard")
    assert_chart(png)
    posts = await slack.api.wait_for("chat.postMessage")
    assert "Participation in prompts" in json.dumps(posts[-1]["blocks"])
    order = [call.method for call in slack.api.calls]
    assert order.index("chat.postMessage") < order.index("files.completeUploadExternal")  # figures, then chart


async def test_slack_scorecard_goes_to_the_dm_when_the_channel_refuses(slack: SlackRig) -> None:
    await slack.command("/learnbot", "help")
    await slack.api.wait_for("response_url:r1")
    await seed_behind(slack.app, "U111", "C111")
    slack.api.fail("chat.postMessage", "not_in_channel")
    await slack.command("/learnbot", "scorecard")
    [completed] = await slack.api.wait_for("files.completeUploadExternal", within=30)
    assert completed["channel_id"] == "D111"  # the manager's DM, where the figures went too
