"""Ids that log lines carry without every call passing them: the inbound request and the delivery being sent.

The HTTP edge binds a request id, the nudge dispatcher a delivery id; the JSON log format (LOG_FORMAT=json) adds
whatever is bound to each line. Context variables follow each task, so concurrent turns never mix their ids.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from types import TracebackType

_BOUND: ContextVar[dict[str, str | int]] = ContextVar("learnbot_log_ids", default={})  # noqa: B039 (never mutated)


def current() -> dict[str, str | int]:
    """The ids bound here (to carry them into work done later, elsewhere)."""
    return _BOUND.get()


class bound:  # lower case: used like a function, `with bound(delivery_id=…):`
    """Log lines inside the block carry these ids (None values are left out). A plain class rather than a
    generator-based context manager: it runs once per delivery of a large fan-out."""

    __slots__ = ("_ids", "_token")

    def __init__(self, **ids: str | int | None) -> None:
        self._ids = ids
        self._token: Token[dict[str, str | int]] | None = None

    def __enter__(self) -> None:
        ids = {name: value for name, value in self._ids.items() if value is not None}
        self._token = _BOUND.set({**_BOUND.get(), **ids})

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._token is not None:
            _BOUND.reset(self._token)
