"""Privacy through Slack over signed HTTP: export me arrives as an external file upload in the member's DM;
forget me after the confirmation button leaves nothing that names the member."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.db.models import Member
from tests.privacy_support import dump
from tests.slack.conftest import SlackRig, payload


async def test_export_me_is_uploaded_to_the_members_dm(slack: SlackRig) -> None:
    await slack.command("/learned", "Feature flags need an owner #deploy")
    await slack.api.wait_for("response_url:r1")
    await slack.command("/learnbot", "export me")
    [ticket] = await slack.api.wait_for("files.getUploadURLExternal")
    [completed] = await slack.api.wait_for("files.completeUploadExternal")
    assert completed["channel_id"] == "D111"  # the DM conversations.open gave, not the channel asked in
    [file] = json.loads(completed["files"])
    document = json.loads(slack.api.uploads[file["id"]])
    assert int(ticket["length"]) == len(slack.api.uploads[file["id"]])
    assert document["member"]["platform_user_id"] == "U111"
    assert [row["text"] for row in document["tables"]["learnings"]] == ["Feature flags need an owner #deploy"]


async def test_export_upload_failure_is_told_to_the_member(slack: SlackRig) -> None:
    slack.api.fail("files.completeUploadExternal", "not_in_channel")
    await slack.command("/learnbot", "export me")
    await slack.api.wait_for("files.completeUploadExternal")
    [told] = await slack.api.wait_for("chat.postMessage")
    assert "failed" in json.dumps(told["blocks"])


async def test_forget_me_after_the_button_erases_the_member(slack: SlackRig) -> None:
    await slack.command("/learned", "Feature flags need an owner #deploy")
    await slack.api.wait_for("response_url:r1")
    await slack.command("/learnbot", "forget me")
    asked = (await slack.api.wait_for("response_url:r1", 2))[-1]
    buttons = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    keep = next(button for button in buttons if button["action_id"] == "privacy.forget:keep")
    press = payload("block_actions_message")
    press.update(
        container={"type": "message", "message_ts": "1700000000.000009", "channel_id": "C111", "is_ephemeral": True},
        response_url=slack.api.response_url("f1"),
        actions=[{"action_id": keep["action_id"], "value": keep["value"], "type": "button", "block_id": "b"}],
    )
    assert (await slack.interact(press)).status == 200
    [done] = await slack.api.wait_for("response_url:f1")
    assert done["replace_original"] is True
    tables = await dump(slack.app)
    assert "U111" not in json.dumps(tables, default=str)
    assert [row["text"] for row in tables["learnings"]] == ["Feature flags need an owner #deploy"]
    async with slack.app.sessions() as session:
        assert [m.platform_user_id for m in await session.scalars(select(Member))] == ["~former-colleague"]


async def test_pending_forms_are_listed_as_what_cannot_be_tied_back(slack: SlackRig) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from adapters.slack.personal_data import CONTRACT
    from adapters.slack.store_tables import PENDING_FORMS_TABLE, slack_metadata

    await slack.command("/learned", "Feature flags need an owner #deploy")
    await slack.api.wait_for("response_url:r1")
    async with slack.app.sessions() as session:
        member = (await session.scalars(select(Member))).one()
        assert CONTRACT.unlinked is not None
        assert await CONTRACT.unlinked(session, member) == []
        table = slack_metadata().tables[PENDING_FORMS_TABLE]
        await session.execute(insert(table).values(token="t1", form={}, created_at=datetime.now(UTC)))
        [said] = await CONTRACT.unlinked(session, member)
    assert said.startswith("1 Slack forms waiting") and "7 days" in said
