"""Work done after Slack's ack, run by a few workers so acks never wait behind a burst of turns.

Each inbound request acks at once and queues its turn here. A small fixed number of workers keeps the event loop
free for new requests (Slack wants an answer within 3 s) and keeps SQLite from drowning in concurrent writers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot import log_context
from bot.errors import report

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Backlog:
    def __init__(self, workers: int = 2, on_error: Callable[[], None] | None = None) -> None:
        # Each job keeps the log ids (request id) of the request that queued it.
        self._queue: asyncio.Queue[tuple[Job, dict[str, str | int]]] = asyncio.Queue()
        self._on_error = on_error
        self._size = workers
        self._workers: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if self._workers:
            return
        self._workers = [asyncio.create_task(self._work(), name=f"slack-backlog-{n}") for n in range(self._size)]

    def submit(self, job: Job) -> None:
        if not self._workers:
            self.start()  # the first request can arrive before the platform started us (tests, socket mode)
        self._queue.put_nowait((job, log_context.current()))

    async def drain(self) -> None:
        """Wait until every queued job has run (tests, shutdown)."""
        await self._queue.join()

    async def stop(self, grace: float = 10.0) -> None:
        """Finish queued work for up to `grace` seconds, then cancel the workers."""
        try:
            async with asyncio.timeout(grace):
                await self._queue.join()
        except TimeoutError:
            log.warning("slack: %d queued turns dropped at shutdown", self._queue.qsize())
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def _work(self) -> None:
        while True:
            job, ids = await self._queue.get()
            with log_context.bound(**ids):  # the error's log line keeps the request id too
                try:
                    await job()
                except Exception as error:  # one bad turn must not stop the worker; the log has it by its code
                    report(error, "a Slack request after its ack")
                    if self._on_error is not None:
                        self._on_error()
                finally:
                    self._queue.task_done()
