"""Fixtures for the fuzzers: both platform rigs, and a log that fails the test on any error or traceback."""

from __future__ import annotations

import logging
import os

import pytest
from hypothesis import HealthCheck, settings

from tests.slack.conftest import slack
from tests.teams.conftest import connector, rig

__all__ = ["FUZZ", "LogWatch", "connector", "log_watch", "rig", "slack"]


class LogWatch:
    """Everything logged at ERROR or with a traceback since the last check."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def problems(self) -> list[str]:
        found = [
            f"{record.levelname} {record.name}: {record.getMessage()}"
            + (f"\n{logging.Formatter().formatException(record.exc_info)}" if record.exc_info else "")
            for record in self._caplog.records
            if record.levelno >= logging.ERROR or record.exc_info
        ]
        self._caplog.clear()
        return found

    def assert_clean(self, context: str) -> None:
        problems = self.problems()
        assert not problems, f"{context!r} logged:\n" + "\n".join(problems)


@pytest.fixture
def log_watch(caplog: pytest.LogCaptureFixture) -> LogWatch:
    caplog.set_level(logging.INFO)
    return LogWatch(caplog)


# Seeded and bounded: the same examples on every run, few enough for CI on two cores.
FUZZ = settings(
    derandomize=True,
    max_examples=int(os.environ.get("LEARNBOT_FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
