"""A fake Slack Web API on loopback: records every call, validates Block Kit like Slack, fails on demand."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

JsonObject = dict[str, Any]


@dataclass
class Call:
    method: str
    args: JsonObject
    authorization: str | None = None  # the Authorization header as sent: "Bearer xoxb-…" or "Basic …"


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    # method -> queued failures: (HTTP status, Slack error code)
    failures: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    server: TestServer | None = None
    users: dict[str, JsonObject] = field(default_factory=dict)
    # conversations.members: channel id -> member ids, paged by the caller's `limit` with an offset cursor.
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    # oauth.v2.access: authorization code -> Slack's answer; refresh token -> the answer to a refresh grant.
    grants: dict[str, JsonObject] = field(default_factory=dict)
    refreshes: dict[str, JsonObject] = field(default_factory=dict)
    socket_url: str | None = None  # what apps.connections.open hands out (Socket Mode)
    domain: str = "learnbot-test"  # the workspace's domain in permalinks (chat.getPermalink)
    # External file uploads: file id -> the bytes POSTed to its upload URL (files.getUploadURLExternal).
    uploads: dict[str, bytes] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    def response_url(self, name: str = "r1") -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/response/{name}"))

    def fail(self, method: str, error: str = "ratelimited", status: int = 200, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([(status, error)] * times)

    def of(self, method: str) -> list[JsonObject]:
        return [call.args for call in self.calls if call.method == method]

    def tokens(self, method: str) -> list[str | None]:
        """The Authorization header of each call of `method`, in order."""
        return [call.authorization for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> list[JsonObject]:
        """Poll until `count` calls of `method` arrived (the bot calls Slack after it acked)."""
        try:
            async with asyncio.timeout(within):
                while len(self.of(method)) < count:
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            seen = [call.method for call in self.calls]
            raise AssertionError(f"expected {count} {method} call(s), saw {seen}") from None
        return self.of(method)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._arrived.set()

    async def _args(self, request: web.Request) -> JsonObject:
        args: JsonObject = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update(dict(await request.post()))
        for name in ("blocks", "view"):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        return args

    async def _response_url(self, request: web.Request) -> web.Response:
        args = await request.json()
        problem = _invalid(args)
        self._record(Call(f"response_url:{request.match_info['name']}", args))
        if problem:
            return web.Response(status=400, text=problem)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL handed out by files.getUploadURLExternal: takes the file's bytes once."""
        file_id = request.match_info["file_id"]
        if file_id not in self.uploads:
            return web.Response(status=404, text="unknown upload")
        self.uploads[file_id] = await request.read()
        self._record(Call(f"upload:{file_id}", {"length": len(self.uploads[file_id])}))
        return web.Response(text=f"OK - {len(self.uploads[file_id])}")

    def _complete_upload(self, args: JsonObject) -> JsonObject:
        files = args.get("files")
        listed = json.loads(files) if isinstance(files, str) else files
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        if any(not self.uploads.get(str(entry.get("id"))) for entry in listed):
            return {"ok": False, "error": "file_not_found"}  # never uploaded
        return {"ok": True, "files": [{"id": entry["id"], "title": entry.get("title", "")} for entry in listed]}

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self._record(Call(method, args, request.headers.get("Authorization")))
        queued = self.failures.get(method)
        if queued:
            status, error = queued.pop(0)
            headers = {"Retry-After": "1"} if status == 429 else {}
            return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
        problem = _invalid(args)
        if problem:
            return web.json_response({"ok": False, "error": "invalid_blocks", "detail": problem})
        if method == "apps.connections.open" and not str(request.headers.get("Authorization")).startswith(
            "Bearer xapp-"
        ):
            return web.json_response({"ok": False, "error": "not_allowed_token_type"})
        if method == "oauth.v2.access":
            return web.json_response(self._oauth(args))
        if method == "files.completeUploadExternal":
            return web.json_response(self._complete_upload(args))
        return web.json_response({"ok": True, **self._answer(method, args)})

    def _answer(self, method: str, args: JsonObject) -> JsonObject:
        channel = args.get("channel", "")
        match method:
            case "auth.test":
                return {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "team": "Team", "url": "https://t/"}
            case "chat.postMessage" | "chat.update":
                return {"channel": channel, "ts": args.get("ts") or f"1700000000.{next(self._ts):06d}"}
            case "chat.postEphemeral":
                return {"message_ts": f"1700000000.{next(self._ts):06d}"}
            case "conversations.open":
                return {"channel": {"id": "D" + str(args.get("users", "")).lstrip("U")}}
            case "users.info":
                user_id = str(args.get("user"))
                info = {"id": user_id, "name": user_id.lower(), "tz": "Europe/Copenhagen", "is_admin": False}
                info.update(self.users.get(user_id, {}))
                if args.get("include_locale") not in ("true", True, "1"):
                    info.pop("locale", None)
                return {"user": info}
            case "chat.getPermalink":
                ts = str(args.get("message_ts", ""))
                link = f"https://{self.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
                return {"channel": channel, "permalink": link + f"?thread_ts={ts}&cid={channel}"}
            case "apps.connections.open":
                return {"url": self.socket_url}
            case "files.getUploadURLExternal":
                if not args.get("filename") or not str(args.get("length", "")).isdigit():
                    return {"ok": False, "error": "invalid_arguments"}
                file_id = f"F{next(self._ts)}"
                self.uploads[file_id] = b""
                assert self.server is not None
                return {"upload_url": str(self.server.make_url(f"/upload/{file_id}")), "file_id": file_id}
            case "conversations.members":
                members = self.channel_members.get(str(channel), [])
                start, size = int(args.get("cursor") or 0), int(args.get("limit") or 100)
                more = start + size < len(members)
                cursor = str(start + size) if more else ""
                return {"members": members[start : start + size], "response_metadata": {"next_cursor": cursor}}
            case "views.open" | "views.publish" | "views.update":
                return {"view": {"id": f"V{next(self._ts)}", **args.get("view", {})}}
        return {}

    def _oauth(self, args: JsonObject) -> JsonObject:
        """oauth.v2.access: a code grant answers once; a refresh grant answers for a known refresh token."""
        if args.get("grant_type") == "refresh_token":
            answer = self.refreshes.get(str(args.get("refresh_token")))
            return {"ok": True, **answer} if answer else {"ok": False, "error": "invalid_refresh_token"}
        answer = self.grants.pop(str(args.get("code")), None)
        return {"ok": True, **answer} if answer else {"ok": False, "error": "invalid_code"}


def _invalid(args: JsonObject) -> str | None:
    """What Slack would refuse in these blocks or this view, using slack_sdk's own models."""
    try:
        if "blocks" in args:
            blocks = args["blocks"]
            if len(blocks) > 50:
                return "more than 50 blocks"
            for block in Block.parse_all(blocks):
                block.validate_json()
        if "view" in args:
            View(**args["view"]).validate_json()
        if len(str(args.get("text", ""))) > 40_000:
            return "msg_too_long"
    except Exception as error:  # slack_sdk raises SlackObjectFormationError and friends
        return str(error)
    return None
