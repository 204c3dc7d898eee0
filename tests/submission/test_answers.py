from __future__ import annotations

import time
from pathlib import Path

from grader.submission.answers import MAX_BYTES, AnswerSheet, Duplicate, Missing, SheetError, read_answers

KNOWN = ["q1.a", "q1.b", "q2.a"]


def _read(tmp_path: Path, text: str | bytes, name: str = "answers.yaml") -> AnswerSheet | SheetError:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return read_answers(path, name, KNOWN)


def test_flat_and_nested_keys_keep_raw_text(tmp_path: Path) -> None:
    sheet = _read(tmp_path, "q1.a: 11,329,414,656\nq1:\n  b: [46, 62, 20]\nQ2.A: 1:20\n")
    assert isinstance(sheet, AnswerSheet)
    assert sheet.answers == {"q1.a": "11,329,414,656", "q1.b": ["46", "62", "20"], "q2.a": "1:20"}


def test_yaml_1_1_surprises_do_not_happen(tmp_path: Path) -> None:
    sheet = _read(tmp_path, "q1.a: no\nq1.b: 0x10\nq2.a: 1e6\n")
    assert isinstance(sheet, AnswerSheet)
    assert sheet.answers == {"q1.a": "no", "q1.b": "0x10", "q2.a": "1e6"}


def test_missing_blank_and_unknown(tmp_path: Path) -> None:
    sheet = _read(tmp_path, "q1.a:\nq9.z: 3\nq1.bb: 4\n")
    assert isinstance(sheet, AnswerSheet)
    assert sheet.lookup("q1.a") == Missing("left blank")
    assert isinstance(sheet.lookup("q2.a"), Missing)
    assert sheet.warnings == ("Unknown key `q9.z` (line 2) was ignored",
                              "Unknown key `q1.bb` (line 3) was ignored; did you mean `q1.b`?")


def test_duplicate_answers_are_flagged(tmp_path: Path) -> None:
    sheet = _read(tmp_path, "q1.a: 1\nq1:\n  a: 2\n")
    assert isinstance(sheet, AnswerSheet) and sheet.lookup("q1.a") == Duplicate("lines 1, 3")


def test_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    started = time.perf_counter()
    sheet = _read(tmp_path, bomb)
    assert time.perf_counter() - started < 0.5
    assert isinstance(sheet, SheetError) and "anchors (&name) are not allowed" in sheet.message


def test_too_large_too_deep_not_a_mapping(tmp_path: Path) -> None:
    assert "larger than" in _read(tmp_path, "a: " + "1" * MAX_BYTES).message
    assert "nested more than" in _read(tmp_path, "q1.a: " + "[" * 50 + "]" * 50).message
    assert "it holds a list" in _read(tmp_path, "- 1\n- 2\n").message
    assert "it holds a single value" in _read(tmp_path, "just text\n").message


def test_encoding_problems(tmp_path: Path) -> None:
    assert "is not UTF-8 text" in _read(tmp_path, b"q1.a: \xff\xfe\xfd 3\n").message
    utf16 = "q1.a: 3\n".encode("utf-16")
    sheet = _read(tmp_path, utf16)
    assert isinstance(sheet, AnswerSheet) and sheet.answers == {"q1.a": "3"}
    bom = _read(tmp_path, "\ufeffq1.a: 3\n".encode("utf-8"))
    assert isinstance(bom, AnswerSheet) and bom.answers == {"q1.a": "3"}


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    sheet = _read(tmp_path, "q1.a: 3\nq1.b: [1, 2\n")
    assert isinstance(sheet, SheetError) and "is not valid YAML on line" in sheet.message


def test_json_answers_and_duplicates(tmp_path: Path) -> None:
    sheet = _read(tmp_path, '{"q1": {"a": 3, "b": [1, 2]}, "q2.a": "x", "q2.a": "y"}', "answers.json")
    assert isinstance(sheet, AnswerSheet)
    assert sheet.answers["q1.a"] == 3 and sheet.answers["q1.b"] == [1, 2]
    assert sheet.lookup("q2.a") == Duplicate("2 times")


def test_json_hostile_inputs(tmp_path: Path) -> None:
    deep = _read(tmp_path, '{"q1.a": ' + "[" * 100_000 + "]" * 100_000 + "}", "answers.json")
    assert isinstance(deep, SheetError)
    huge = _read(tmp_path, '{"q1.a": ' + "9" * 50_000 + "}", "answers.json")
    assert isinstance(huge, SheetError)
    assert isinstance(_read(tmp_path, "[1, 2]", "answers.json"), SheetError)
    assert isinstance(_read(tmp_path, "{bad json", "answers.json"), SheetError)


def test_many_unknown_keys_are_summarised(tmp_path: Path) -> None:
    sheet = _read(tmp_path, "".join(f"k{i}: {i}\n" for i in range(50)))
    assert isinstance(sheet, AnswerSheet) and len(sheet.warnings) == 11
    assert sheet.warnings[-1] == "... and 40 more unknown keys."


def test_lone_surrogates_from_escapes_become_replacement_characters(tmp_path: Path) -> None:
    sheet = _read(tmp_path, 'q1.a: "\\ud800"\n')
    assert isinstance(sheet, AnswerSheet) and sheet.answers == {"q1.a": "\ufffd"}
    sheet = _read(tmp_path, '{"q1.a": "\\udc00x", "\\ud800": 1}', "answers.json")
    assert isinstance(sheet, AnswerSheet) and sheet.answers == {"q1.a": "\ufffdx"}
