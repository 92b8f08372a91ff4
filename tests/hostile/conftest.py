"""The hostile-traffic suites drive both platform rigs, so their fixtures are shared here."""

from tests.slack.conftest import slack, slack_oauth
from tests.teams.conftest import connector, rig

__all__ = ["connector", "rig", "slack", "slack_oauth"]
