"""What the migrations must create: our models plus slack_sdk's installation/OAuth tables.

One list for env.py (autogenerate) and the drift test, so they can never disagree.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from adapters.slack.store_tables import slack_metadata
from bot.circles import tables as circle_tables  # noqa: F401  (learning circles)
from bot.conversations import tables as conversation_tables  # noqa: F401  (registers the engine's tables)
from bot.db import models  # noqa: F401  (registers every table on Base.metadata)
from bot.db.base import Base
from bot.goals import tables as goal_tables  # noqa: F401  (learning goals)
from bot.kudos import tables as kudos_tables  # noqa: F401  (kudos)
from bot.learning import tables as learning_tables  # noqa: F401  (registers the learning log's tables)
from bot.mentoring import tables as mentoring_tables  # noqa: F401  (pairs, meetings, preferences)
from bot.people import tables as people_tables  # noqa: F401  (registers availability and reach)
from bot.privacy import audit as privacy_audit  # noqa: F401  (registers the privacy audit trail)
from bot.programmes import tables as programme_tables  # noqa: F401  (programme runs)
from bot.retros import tables as retro_tables  # noqa: F401  (registers the retros' tables)


def target_metadata() -> list[MetaData]:
    return [Base.metadata, slack_metadata()]
