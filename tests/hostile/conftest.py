"""The hostile-traffic suites drive both platform rigs, so their fixtures are shared here."""

from tests.slack.conftest import fake_slack, slack, slack_oauth
from tests.teams.conftest import connector, rig

__all__ = ["connector", "fake_slack", "rig", "slack", "slack_oauth"]
