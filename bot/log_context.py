"""Ids that log lines carry without every call passing them: the inbound request and the delivery being sent.

The HTTP edge binds a request id, the nudge dispatcher a delivery id; the JSON log format (LOG_FORMAT=json) adds
whatever is bound to each line. Context variables follow each task, so concurrent turns never mix their ids.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_BOUND: ContextVar[dict[str, str | int]] = ContextVar("learnbot_log_ids", default={})  # noqa: B039 (never mutated)


def current() -> dict[str, str | int]:
    """The ids bound here (to carry them into work done later, elsewhere)."""
    return _BOUND.get()


@contextlib.contextmanager
def bound(**ids: str | int | None) -> Iterator[None]:
    """Log lines inside the block carry these ids (None values are left out)."""
    token = _BOUND.set({**_BOUND.get(), **{name: value for name, value in ids.items() if value is not None}})
    try:
        yield
    finally:
        _BOUND.reset(token)
