"""The personal-data contracts cover every table that refers to a member; a new table without one fails here."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from adapters.app import App
from bot.db.base import Base
from bot.privacy.coverage import member_columns, uncovered
from migrations.metadata import target_metadata


def test_every_member_column_of_the_schema_is_covered(app: App) -> None:
    covered = app.bot.personal_data.covered()
    assert uncovered(target_metadata(), covered) == []
    # The walk finds what it must: the core's member references and Slack's installer id.
    assert "member_id" in covered["conversation_responses"]
    assert "user_id" in covered["slack_installations"]


def test_a_test_only_table_referring_to_members_without_a_contract_fails(app: App) -> None:
    metadata = MetaData()
    Base.metadata.tables["tenants"].to_metadata(metadata)
    Base.metadata.tables["members"].to_metadata(metadata)
    Table(
        "high_fives",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("giver", ForeignKey("members.id")),  # a foreign key, whatever its name
        Column("receiver_user_id", String(64)),  # a platform user id, by its name
        Column("note", String(200)),
    )
    assert member_columns(metadata.tables["high_fives"]) == ("giver", "receiver_user_id")
    problems = uncovered([*target_metadata(), metadata], app.bot.personal_data.covered())
    assert problems == ["high_fives.giver", "high_fives.receiver_user_id"]


def test_a_contract_naming_a_missing_column_fails(app: App) -> None:
    covered = {**app.bot.personal_data.covered(), "learnings": {"member_id", "author"}}
    assert uncovered(target_metadata(), covered) == ["learnings.author (declared, no such column)"]
