"""`learnbot teams-package`: the zip a Teams admin uploads (manifest.json, color.png, outline.png).

The icons are drawn here and written as PNG with zlib, so no imaging library is needed: a 192x192 colour icon
and a 32x32 outline icon that is white on transparent, as Teams requires.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.teams.translate import SAVE_COMMAND
from bot.catalog import Translator
from bot.commands.spec import Place
from bot.model import JsonObject

if TYPE_CHECKING:
    from bot.core import LearnBot

MANIFEST_VERSION = "1.19"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
TEAMS_COMMANDS_PER_SCOPE = 10  # Teams' own limit per command list
ACCENT = (0x2E, 0x6B, 0x5E)  # a calm green
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG whose pixel (x, y) is `pixel(x, y)`."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _glyph(x: float, y: float) -> bool:
    """An open book with a spark above it, in unit coordinates (0..1)."""
    left_page = 0.16 <= x <= 0.48 and 0.42 <= y <= 0.80 - (0.48 - x) * 0.15
    right_page = 0.52 <= x <= 0.84 and 0.42 <= y <= 0.80 - (x - 0.52) * 0.15
    spark = abs(x - 0.5) + abs(y - 0.24) <= 0.10
    return left_page or right_page or spark


def color_icon(size: int = 192) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return (255, 255, 255, 255) if _glyph(x / size, y / size) else (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return (255, 255, 255, 255) if _glyph((x + 0.5) / size, (y + 0.5) / size) else (0, 0, 0, 0)

    return png(size, size, pixel)


def command_lists(bot: LearnBot, t: Translator) -> list[JsonObject]:
    """The bot's command lists: personal chat gets the commands that work in a 1:1 chat, team and group chats
    those that work in a channel; Teams shows at most 10 per scope, so the specs' priority picks them."""
    lists = []
    for scopes, place in ((["personal"], Place.DIRECT), (["team", "groupChat"], Place.CHANNEL)):
        specs = sorted(
            (spec for spec in bot.commands.commands if spec.place in (Place.ANYWHERE, place)), key=lambda s: s.priority
        )
        commands = [
            {"title": bot.help.first_word(t, spec)[:32], "description": t(f"commands.{spec.key}.summary")[:128]}
            for spec in specs[:TEAMS_COMMANDS_PER_SCOPE]
        ]
        lists.append({"scopes": scopes, "commands": commands})
    return lists


def manifest(app_id: str, host: str, lists: Sequence[JsonObject], t: Translator, *, version: str) -> JsonObject:
    """manifest.json for a bot in personal, team and group chat scopes, with its command lists."""
    if not _GUID.match(app_id):
        raise ValueError(f"--app-id must be the bot's Microsoft App ID (a GUID), not {app_id!r}")
    host = host.removeprefix("https://").removeprefix("http://").strip("/")
    if not host or "/" in host:
        raise ValueError(f"--host must be a host name such as learnbot.example.com, not {host!r}")
    site = f"https://{host}"
    scopes = ["personal", "team", "groupChat"]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "learnbot",
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": "learnbot", "full": "learnbot – learning as a daily team habit"},
        "description": {"short": t("teams_package.short")[:80], "full": t("teams_package.full")[:4000]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": scopes,
                # Files in the personal chat: `export me` is offered on a file-consent card (files.py).
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": list(lists),
            }
        ],
        # "…" on any message → Save as learning (composeExtension/fetchTask and submitAction, see turns.py).
        "composeExtensions": [
            {
                "botId": app_id,
                "commands": [
                    {
                        "id": SAVE_COMMAND,
                        "type": "action",
                        "title": t("teams_package.save_title")[:32],
                        "description": t("teams_package.save_description")[:128],
                        "context": ["message"],
                        "fetchTask": True,
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
        # Resource-specific consent so Teams sends meetingEnd for the team's channel meetings and group chats.
        "webApplicationInfo": {"id": app_id, "resource": f"api://{host}/botid-{app_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"name": "ChannelMeeting.ReadBasic.Group", "type": "Application"},
                    {"name": "OnlineMeeting.ReadBasic.Chat", "type": "Application"},
                ]
            }
        },
    }


def write_package(path: Path, app_manifest: JsonObject) -> Path:
    """Write the upload zip (files at the zip's root, as Teams wants them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(app_manifest, indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return path
