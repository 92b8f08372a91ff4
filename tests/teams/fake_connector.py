"""A fake Bot Connector on loopback: the serviceUrl of every test activity.

Records replies, proactive sends, updates and created 1:1 conversations; serves a paged team roster; answers 429
(or any status) on demand, like Teams does when a bot sends too fast.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    conversation: str
    activity_id: str | None
    body: dict[str, Any]


@dataclass
class FakeConnector:
    members: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    # Statuses to answer before succeeding, per kind of call ("send", "create", "update", "roster").
    failures: dict[str, list[int]] = field(default_factory=dict)
    failed: list[tuple[str, int]] = field(default_factory=list)
    latency: float = 0.0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def sends(self) -> list[Call]:
        """Messages posted (replies and proactive), in order."""
        return [call for call in self.calls if call.method == "POST"]

    @property
    def updates(self) -> list[Call]:
        return [call for call in self.calls if call.method == "PUT"]

    def texts(self, conversation: str | None = None) -> list[str]:
        """Everything readable in the posted messages (summary and card text), per message."""
        out = []
        for call in self.sends:
            if conversation is None or call.conversation.split(";")[0] == conversation:
                out.append(card_text(call.body))
        return out

    def _fail(self, kind: str) -> web.Response | None:
        pending = self.failures.get(kind)
        if pending:
            status = pending.pop(0)
            self.failed.append((kind, status))
            return web.json_response(
                {"error": {"code": "TooManyRequests" if status == 429 else "Failure", "message": "fake"}},
                status=status,
            )
        return None

    async def _pause(self) -> None:
        if self.latency:
            await asyncio.sleep(self.latency)

    async def send(self, request: web.Request) -> web.Response:
        await self._pause()
        if (failure := self._fail("send")) is not None:
            return failure
        body = await request.json()
        conversation = request.match_info["conversation"]
        self.calls.append(Call("POST", conversation, request.match_info.get("activity"), body))
        return web.json_response({"id": f"activity-{next(self._ids)}"}, status=201)

    async def update(self, request: web.Request) -> web.Response:
        await self._pause()
        if (failure := self._fail("update")) is not None:
            return failure
        body = await request.json()
        self.calls.append(Call("PUT", request.match_info["conversation"], request.match_info["activity"], body))
        return web.json_response({"id": request.match_info["activity"]})

    async def create(self, request: web.Request) -> web.Response:
        await self._pause()
        if (failure := self._fail("create")) is not None:
            return failure
        body = await request.json()
        self.created.append(body)
        member = body["members"][0]["id"]
        return web.json_response({"id": f"a:direct-{member}", "activityId": f"activity-{next(self._ids)}"}, status=201)

    async def paged_members(self, request: web.Request) -> web.Response:
        if (failure := self._fail("roster")) is not None:
            return failure
        size = int(request.query.get("pageSize", "100"))
        start = int(request.query.get("continuationToken", "0") or 0)
        page = self.members[start : start + size]
        token = str(start + size) if start + size < len(self.members) else None
        return web.json_response({"members": page, "continuationToken": token})

    async def members_list(self, request: web.Request) -> web.Response:
        return web.json_response(self.members)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self.create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self.send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self.send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self.update)
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self.paged_members)
        app.router.add_get("/v3/conversations/{conversation}/members", self.members_list)
        return app


def card_text(activity: dict[str, Any]) -> str:
    """The summary and every TextBlock / fact / button title of an activity's cards."""
    parts = [str(activity.get("summary") or activity.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                parts.append(str(node.get("text")))
            if node.get("type", "").startswith("Action.") or node.get("type", "").startswith("Input."):
                parts.append(str(node.get("title") or node.get("label") or ""))
            if "title" in node and "value" in node and "type" not in node:
                parts.append(f"{node['title']}: {node['value']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(activity.get("attachments") or [])
    return "\n".join(part for part in parts if part)
