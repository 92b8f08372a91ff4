"""The command line as a new user meets it: help texts and a piped terminal chat on the default SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LEARNBOT = [sys.executable, "-m", "adapters.cli"]
ROOT = Path(__file__).resolve().parents[1]


def run(
    args: list[str], cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DEFAULT_LANGUAGE"}}
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(env or {})
    return subprocess.run(
        LEARNBOT + args, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, env=environment
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["chat", "serve", "db", "DATABASE_URL"]),
        (["chat"], ["--as", "--team", ":quit", "piped"]),
        (["serve"], ["--host", "--port", "/healthz"]),
        (["db"], ["upgrade", "downgrade", "current"]),
        (["db", "upgrade"], ["revision"]),
    ],
)
def test_every_command_documents_itself(tmp_path: Path, args: list[str], expected: list[str]) -> None:
    result = run([*args, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    for word in expected:
        assert word in result.stdout


def test_piped_chat_on_default_sqlite_answers_the_quick_start_conversation(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "help",
            "learned Git bisect finds the bad commit fast #git",
            "learnings",
            "learnings git",
            "language da",
            "help",
        ]
    )
    result = run(["chat", "--as", "Anna"], tmp_path, script + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert (tmp_path / "learnbot.db").exists()  # zero configuration: a SQLite file in the working directory
    assert "learnbot – what I can do" in out
    assert "Saved to the learning log with #git" in out
    assert "Your learnings (1 in all)" in out
    assert "Learnings matching “git” (1)" in out
    assert "Fint, fra nu af taler jeg dansk med dig." in out
    assert out.rstrip().splitlines()[-1]  # ends with a goodbye, not a traceback
    assert "learnbot – det kan jeg" in out.split("language da", 1)[1]
    assert "Traceback" not in result.stderr


def test_chat_remembers_between_runs_and_switches_members(tmp_path: Path) -> None:
    run(["chat", "--as", "Anna"], tmp_path, "learned Pairing spreads knowledge #pairing\n")
    result = run(["chat", "--as", "Bo"], tmp_path, "learnings pairing\n:as Cleo\nlearnings\n")
    assert "Pairing spreads knowledge" in result.stdout
    assert "You are now Cleo." in result.stdout
    assert "You have not logged anything yet" in result.stdout


def test_buttons_are_pressed_by_number(tmp_path: Path) -> None:
    result = run(["chat"], tmp_path, "learned oops wrong entry\n1\nlearnings\n")
    assert "[1] Undo" in result.stdout
    assert "Removed from the learning log." in result.stdout
    assert "You have not logged anything yet" in result.stdout


def test_db_commands_upgrade_and_report(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/x.db"
    upgraded = run(["db", "upgrade"], tmp_path, env={"DATABASE_URL": url})
    assert upgraded.returncode == 0, upgraded.stderr
    current = run(["db", "current"], tmp_path, env={"DATABASE_URL": url})
    revision = current.stdout.split()[1]
    assert current.stdout.strip() == f"database: {revision}  code: {revision}"


def test_core_does_not_import_platforms_or_adapters() -> None:
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        for line in path.read_text().splitlines():
            words = line.strip().split()
            if words[:1] in (["import"], ["from"]) and words[1].split(".")[0] in {
                "slack_bolt",
                "slack_sdk",
                "botbuilder",
                "botframework",
                "adapters",
            }:
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert offenders == []


def test_adapters_reach_the_core_only_through_its_inbound_port() -> None:
    """Platform adapters translate, render and transport: no database session, no core service, no role rule.
    (The composition root and the command line wire things up, so they are not adapters. An adapter's own tables
    may use the core's column types from bot.db.base.)"""
    forbidden = (
        "bot.db.models",
        "bot.db.engine",
        "bot.db.upsert",
        "bot.membership",
        "bot.inbound_events",
        "bot.directory",
        "bot.roles",
        "bot.nudges",
    )
    offenders = []
    for path in (ROOT / "adapters").rglob("*.py"):
        if path.name in ("app.py", "cli.py") or path.name.startswith("cli_"):
            continue
        text = path.read_text()
        for line in text.splitlines():
            words = line.strip().split()
            if words[:1] in (["import"], ["from"]) and words[1].startswith(forbidden):
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
        if ".sessions(" in text or ".membership." in text:
            offenders.append(f"{path.relative_to(ROOT)}: opens the core's sessions or services")
    assert offenders == []


def test_serve_answers_health_and_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment["PYTHONPATH"] = str(ROOT)
    server = subprocess.Popen(
        [*LEARNBOT, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "server did not come up"
                assert server.poll() is None, server.communicate()[0]
                time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, output
    assert "slack: off" in output and "teams: off" in output
    assert "stopping: finishing work in flight" in output
    assert "Traceback" not in output


def test_piped_chat_survives_hostile_lines_and_ends_quietly_into_a_closed_pipe(tmp_path: Path) -> None:
    hostile = ["nudge remove ²", "nudge remove " + "9" * 30, "remind ①", "pause until ２０２７-01-01", "\x00\u202e"]
    result = run(["chat", "--as", "Anna"], tmp_path, "\n".join([*hostile, "help"]) + "\n")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "must be a whole number from 1 to 2147483647" in result.stdout and "Bye – keep learning!" in result.stdout
    script = "help\n" * 200
    piped = subprocess.run(
        f"{' '.join(LEARNBOT)} chat --as Anna | head -n 3",
        shell=True,
        cwd=tmp_path,
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "PYTHONPATH": str(ROOT)},
    )
    assert piped.returncode == 0 and len(piped.stdout.splitlines()) == 3
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr, piped.stderr
