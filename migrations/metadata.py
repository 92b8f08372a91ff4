"""What the migrations must create: our models plus slack_sdk's installation/OAuth tables.

One list for env.py (autogenerate) and the drift test, so they can never disagree.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from adapters.slack.store_tables import slack_metadata
from bot.db import models  # noqa: F401  (registers every table on Base.metadata)
from bot.db.base import Base
from bot.nudges import tables as nudge_tables  # noqa: F401  (registers the nudge tables)


def target_metadata() -> list[MetaData]:
    return [Base.metadata, slack_metadata()]
