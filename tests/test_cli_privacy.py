"""`learnbot privacy export|forget|log` for requests that arrive by mail."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import run


def test_export_forget_and_the_audit_log_from_the_command_line(tmp_path: Path) -> None:
    run(["chat", "--as", "Anna"], tmp_path, "learned Small steps ship sooner #delivery\n")
    run(["chat", "--as", "Bo"], tmp_path, "hello\n")
    exported = run(["privacy", "export", "--member", "Anna", "--team", "local", "--output", "anna.json"], tmp_path)
    assert exported.returncode == 0, exported.stderr
    document = json.loads((tmp_path / "anna.json").read_text(encoding="utf-8"))
    assert [row["text"] for row in document["tables"]["learnings"]] == ["Small steps ship sooner #delivery"]

    unknown = run(["privacy", "forget", "--member", "Nobody", "--team", "local", "--learnings", "keep"], tmp_path)
    assert unknown.returncode == 2 and "no member called 'Nobody'" in unknown.stderr
    forgotten = run(["privacy", "forget", "--member", "Anna", "--team", "local", "--learnings", "erase"], tmp_path)
    assert forgotten.returncode == 0, forgotten.stderr
    assert "erased; audit reference #2" in forgotten.stdout
    again = run(["privacy", "export", "--member", "Anna", "--team", "local"], tmp_path)
    assert again.returncode == 2  # nothing is left to find her by

    log = run(["privacy", "log"], tmp_path)
    assert log.returncode == 0
    lines = log.stdout.strip().splitlines()
    assert [line.split()[2:5] for line in lines] == [["forget", "by", "command-line"], ["export", "by", "command-line"]]
    assert "Anna" not in log.stdout and "Small steps" not in log.stdout
    searched = run(["chat", "--as", "Bo"], tmp_path, "learnings small steps\n")
    assert "Small steps ship sooner" not in searched.stdout
