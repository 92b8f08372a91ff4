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


def test_chat_finds_an_entry_in_another_language_than_its_authors_setting(tmp_path: Path) -> None:
    run(["chat", "--as", "Anna"], tmp_path, "language en\nlearned Møder med kunder går bedre med en dagsorden\n")
    result = run(["chat", "--as", "Bo"], tmp_path, "language da\nsøg møde\n")
    assert result.returncode == 0, result.stderr
    assert "Møder med kunder" in result.stdout.split("søg møde", 1)[1]


def test_import_reports_bad_lines_is_idempotent_and_export_writes_the_log(tmp_path: Path) -> None:
    from tests.test_learning_import import thousand_rows_csv

    run(["chat", "--as", "Anna"], tmp_path, "hello\n")
    run(["chat", "--as", "Bo"], tmp_path, "hello\n")
    csv_file = thousand_rows_csv(tmp_path / "log.csv")
    first = run(["import", "learnings", str(csv_file), "--team", "local"], tmp_path)
    assert first.returncode == 1, first.stderr  # rows were skipped
    assert "log.csv: 1000 rows, 997 stored, 0 already imported, 3 skipped" in first.stdout
    assert "  line 101: no text" in first.stdout
    assert "  line 502: no member called 'Nobody' in this team" in first.stdout
    assert "  line 900: date '31/12/2025'" in first.stdout
    again = run(["import", "learnings", str(csv_file), "--team", "local"], tmp_path)
    assert "997 already imported" in again.stdout and ", 0 stored" in again.stdout

    found = run(["chat", "--as", "Cleo"], tmp_path, "learnings note 7 pairing\n")
    assert "Imported note 7 about pairing" in found.stdout

    mine = tmp_path / "mine.json"
    mine.write_text('[{"text": "Small batches are easier to review"}]', encoding="utf-8")
    own = run(["import", "learnings", str(mine), "--team", "local", "--as-member", "anna"], tmp_path)
    assert own.returncode == 0 and "1 stored" in own.stdout

    exported = run(["export", "learnings", "--team", "local", "--output", "out.csv"], tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "wrote 998 learnings to out.csv" in exported.stderr
    assert (
        (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("text,author,author_id,date,language,tags,link")
    )
    as_json = run(["export", "learnings", "--team", "local", "--format", "json"], tmp_path)
    assert '"text": "Small batches are easier to review"' in as_json.stdout


def test_import_refuses_unknown_teams_and_unreadable_files(tmp_path: Path) -> None:
    run(["chat", "--as", "Anna"], tmp_path, "hello\n")
    missing = run(["import", "learnings", "nope.csv", "--team", "local"], tmp_path)
    assert missing.returncode == 2 and "cannot read nope.csv" in missing.stderr
    (tmp_path / "log.csv").write_text("text\nsomething\n", encoding="utf-8")
    unknown = run(["import", "learnings", "log.csv", "--team", "acme"], tmp_path)
    assert unknown.returncode == 2
    assert "no team 'acme' (known teams: console:local); nothing was imported" in unknown.stderr
    assert "Traceback" not in missing.stderr + unknown.stderr


def test_chat_drives_private_edit_delete_related_and_applied_and_export_keeps_private_entries_home(
    tmp_path: Path,
) -> None:
    bo = run(
        ["chat", "--as", "Bo"],
        tmp_path,
        "learned Feature flags decouple deploys from releases #flags\n"
        "learned --private Feature flags scare me before releases\n",
    )
    assert "only you can see it" in bo.stdout, bo.stderr
    anna = run(
        ["chat", "--as", "Anna"],
        tmp_path,
        "learned Feature flags let releases happen any day\n"
        "learnings flags @Bo\n"
        "learnings related 1\n"
        "learnings edit 3 Feature toggles let releases happen any day #toggles\n"
        "learnings toggles\n"
        "learnings delete 1\n"
        "learnings applied\n",
    )
    assert anna.returncode == 0, anna.stderr
    logged, rest = anna.stdout.split("learnings flags @Bo", 1)
    assert "Bo learned something similar today" in logged and "decouple deploys" in logged
    assert "scare me" not in anna.stdout  # Bo's private entry: not in Anna's search, related or reply
    searched, rest = rest.split("learnings related 1", 1)
    assert "decouple deploys" in searched and "Bo · " in searched and "#flags" in searched
    related, rest = rest.split("learnings edit 3", 1)
    assert "let releases happen any day" in related
    edited, rest = rest.split("learnings toggles", 1)
    assert "Entry 3 is changed" in edited
    found, rest = rest.split("learnings delete 1", 1)
    assert "Feature toggles let releases" in found
    deleted, applied = rest.split("learnings applied", 1)
    assert "no entry 1 of yours" in deleted
    assert "applied 0 of 1 learnings (0%)" in applied

    team = run(["export", "learnings", "--team", "local", "--format", "json"], tmp_path)
    assert team.returncode == 0, team.stderr
    assert "decouple deploys" in team.stdout and "scare me" not in team.stdout
    own = run(["export", "learnings", "--team", "local", "--member", "Bo", "--format", "json"], tmp_path)
    assert "scare me" in own.stdout and '"private": "yes"' in own.stdout and "toggles" not in own.stdout
    others = run(["export", "learnings", "--team", "local", "--member", "Anna", "--format", "json"], tmp_path)
    assert "scare me" not in others.stdout and "toggles" in others.stdout
