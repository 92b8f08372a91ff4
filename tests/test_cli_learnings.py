"""The learning log from the command line: word forms in `learnbot chat`, import and export."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import run


def test_chat_finds_danish_swedish_and_english_word_forms(tmp_path: Path) -> None:
    run(["chat", "--as", "Anna"], tmp_path, "language da\nlearned Vi holdt tre korte møder om planen\n")
    run(["chat", "--as", "Sven"], tmp_path, "language sv\nlearned Ett kort möte räckte\n")
    run(["chat", "--as", "Bo"], tmp_path, "learned Our retrospectives got shorter\n")
    result = run(["chat", "--as", "Cleo"], tmp_path, "søg møde\nsök mötet\nlearnings retrospective\n")
    assert result.returncode == 0, result.stderr
    found_danish, rest = result.stdout.split("sök mötet", 1)
    found_swedish, found_english = rest.split("learnings retrospective", 1)
    assert "tre korte møder" in found_danish
    assert "Ett kort möte" in found_swedish
    assert "Our retrospectives got shorter" in found_english
