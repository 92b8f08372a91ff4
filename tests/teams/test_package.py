"""`learnbot teams-package`: a zip Teams accepts — manifest fields and limits, and valid icons."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from adapters.cli import main

APP_ID = "00000000-1111-2222-3333-444444444444"


def _pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color_type = struct.unpack(">IIBB", data[16:26])
    assert (depth, color_type) == (8, 6)
    position, idat = 8, b""
    while position < len(data):
        length = struct.unpack(">I", data[position : position + 4])[0]
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        crc = struct.unpack(">I", data[position + 8 + length : position + 12 + length])[0]
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IDAT":
            idat += body
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * 4
    pixels = [raw[row * stride + 1 + x * 4 : row * stride + 5 + x * 4] for row in range(height) for x in range(width)]
    return width, height, pixels


def test_package_has_a_manifest_and_icons_teams_accepts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "learnbot.zip"
    code = main(
        ["teams-package", "--app-id", APP_ID, "--host", "https://learnbot.example.com/", "--output", str(output)]
    )
    assert code == 0 and "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color, outline = archive.read("color.png"), archive.read("outline.png")
    assert manifest["manifestVersion"] == "1.19" and "v1.19" in manifest["$schema"]
    assert manifest["id"] == APP_ID and manifest["validDomains"] == ["learnbot.example.com"]
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team", "groupChat"]
    commands = bot["commandLists"][0]["commands"]
    assert {"help", "learned", "learnings"} <= {command["title"] for command in commands}
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands) and len(commands) <= 10
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["name"]["short"]) <= 30
    assert all(url.startswith("https://") for url in manifest["developer"].values() if "://" in url)
    width, height, pixels = _pixels(color)
    assert (width, height) == (192, 192) and all(pixel[3] == 255 for pixel in pixels)
    width, height, pixels = _pixels(outline)
    assert (width, height) == (32, 32)
    # Teams wants the outline white on transparent, nothing else.
    assert {bytes(pixel) for pixel in pixels} == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}


def test_a_wrong_app_id_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "learnbot.zip"
    assert main(["teams-package", "--app-id", "my-bot", "--host", "x.example.com", "--output", str(output)]) == 2
    assert "GUID" in capsys.readouterr().err and not output.exists()
