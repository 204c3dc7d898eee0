from __future__ import annotations

import os
from pathlib import Path

from grader.submission.locate import Found, NotFound, find_answers_file


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x: 1\n")


def test_found_at_top_level(tmp_path: Path) -> None:
    _touch(tmp_path, "answers.yaml", "notes.txt")
    found = find_answers_file(tmp_path)
    assert isinstance(found, Found) and found.shown == "answers.yaml"


def test_found_nested_and_case_insensitive(tmp_path: Path) -> None:
    _touch(tmp_path, "hw3/final/Answers.YML")
    found = find_answers_file(tmp_path)
    assert isinstance(found, Found) and found.shown == "hw3/final/Answers.YML"


def test_several_answers_files_are_refused(tmp_path: Path) -> None:
    _touch(tmp_path, "answers.yaml", "old/answers.json")
    found = find_answers_file(tmp_path)
    assert isinstance(found, NotFound)
    assert found.message == ("Your submission has several answers files (`answers.yaml`, `old/answers.json`). "
                             "Keep exactly one and resubmit.")


def test_misnamed_file_gets_a_rename_hint(tmp_path: Path) -> None:
    _touch(tmp_path, "my_answer.yaml")
    found = find_answers_file(tmp_path)
    assert isinstance(found, NotFound) and "rename it to `answers.yaml`" in found.message
    assert "`my_answer.yaml`" in found.message


def test_empty_submission(tmp_path: Path) -> None:
    _touch(tmp_path, ".gitkeep", "__MACOSX/answers.yaml")
    found = find_answers_file(tmp_path)
    assert isinstance(found, NotFound) and found.message.startswith("Your submission is empty.")


def test_other_files_are_listed(tmp_path: Path) -> None:
    _touch(tmp_path, "hw.pdf")
    found = find_answers_file(tmp_path)
    assert isinstance(found, NotFound) and "`hw.pdf`" in found.message


def test_symlinked_answers_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("key: 1\n")
    submission = tmp_path / "submission"
    submission.mkdir()
    os.symlink(secret, submission / "answers.yaml")
    found = find_answers_file(submission)
    assert isinstance(found, NotFound) and "symbolic link" in found.message


def test_file_names_with_backticks_cannot_break_markdown(tmp_path: Path) -> None:
    _touch(tmp_path, "a`b`answer.txt")
    found = find_answers_file(tmp_path)
    assert isinstance(found, NotFound) and "`a'b'answer.txt`" in found.message
