"""`learnbot chat` as a user runs it (a subprocess with piped input) survives every hostile line and answers it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from adapters.app import App
from tests.fuzz.vocabulary import seeded_lines

ROOT = Path(__file__).resolve().parents[2]
ISSUE_EXAMPLES = [
    "nudge remove ²",
    "remind ①",
    "²",
    "learned x",
    "①",
    "nudge remove 99999999999999999999",
    "learnings --page ٣",
    "1",
]


async def test_learnbot_chat_never_dies_and_answers_every_line(app: App, tmp_path: Path) -> None:
    script = [*ISSUE_EXAMPLES, *seeded_lines(app.bot, app.catalog, seed=9, count=80)]
    environment = {key: value for key, value in os.environ.items() if key != "DEFAULT_LANGUAGE"}
    environment.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "chat",
        "--as",
        "Fuzz",
        cwd=tmp_path,
        env=environment,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(("\n".join(script) + "\n").encode()), timeout=120)
    out, err = stdout.decode(), stderr.decode()
    assert process.returncode == 0, err[-3000:]
    assert "Traceback" not in out + err and "ERROR" not in err, err[-3000:]
    # Piped input is echoed as "Fuzz> line"; each echoed line must be followed by an answer, not the next line.
    # (Only \n separates lines here: the fuzz text holds characters str.splitlines() would also split on.)
    printed = out.split("\n")
    echoes = [number for number, text in enumerate(printed) if text.startswith("Fuzz> ")]
    assert len(echoes) >= len(script) // 2, "most lines were never read"
    for number in echoes:
        following = printed[number + 1] if number + 1 < len(printed) else ""
        assert following.strip() and not following.startswith("Fuzz> "), f"no answer to {printed[number]!r}"
    assert printed[-2].strip(), "the chat did not reach its goodbye"
