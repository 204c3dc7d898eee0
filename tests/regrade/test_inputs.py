"""What a regrade reads: export zips as hostile input, metadata read leniently, folders of folders."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from grader.regrade import export
from grader.regrade.export import ExportError, unpack_export
from grader.regrade.inputs import RegradeError, discover, read_export_metadata
from tests.regrade.conftest import WRAPPER, add_file, metadata_yaml, write_export

ANSWERS = b"model_size.fc_layer1: 11329414656\n"


def _zip(path: Path, entries: list[tuple[str, bytes, int]]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data, mode in entries:
            add_file(bundle, name, data, mode)
    return path


def _unsafe_export(tmp_path: Path) -> Path:
    root = f"{WRAPPER}/"
    return _zip(tmp_path / "export.zip", [
        (root + "submission_metadata.yml", metadata_yaml(["a", "b", "c"]).encode(), stat.S_IFREG | 0o644),
        (root + "submission_1000/answers.yaml", ANSWERS, stat.S_IFREG | 0o644),
        (root + "submission_1001/answers.yaml", b"/etc/shadow", stat.S_IFLNK | 0o777),
        (root + "submission_1002/answers.yaml", ANSWERS, stat.S_IFREG | 0o644),
        (root + "submission_1002/pipe", b"", stat.S_IFIFO | 0o644),
        ("/tmp/absolute.txt", b"x", stat.S_IFREG | 0o644),
        (root + "../../escaped.txt", b"x", stat.S_IFREG | 0o644),
        (root + "submission_1000\\..\\..\\windows.txt", b"x", stat.S_IFREG | 0o644),
    ])


def test_unsafe_entries_are_refused_and_nothing_lands_outside(tmp_path):
    into = tmp_path / "deep" / "into"
    into.mkdir(parents=True)
    refused = unpack_export(_unsafe_export(tmp_path), into)
    reasons = {entry.name: entry.reason for entry in refused}
    assert reasons == {
        f"{WRAPPER}/submission_1001/answers.yaml": "it is a symbolic link",
        f"{WRAPPER}/submission_1002/pipe": "it is not a plain file or folder (a device, FIFO or socket)",
        "/tmp/absolute.txt": "it has an absolute path",
        f"{WRAPPER}/../../escaped.txt": "its path leaves the archive (`..`)",
        f"{WRAPPER}/submission_1000\\..\\..\\windows.txt": "its name has a backslash or NUL character",
    }
    written = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file())
    assert written == ["deep/into/assignment_4242_export/submission_1000/answers.yaml",
                       "deep/into/assignment_4242_export/submission_1002/answers.yaml",
                       "deep/into/assignment_4242_export/submission_metadata.yml", "export.zip"]
    assert not any(path.is_symlink() for path in into.rglob("*"))


def test_a_submission_with_refused_entries_is_refused_and_the_rest_kept(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    batch = discover(_unsafe_export(tmp_path), scratch=scratch)
    by_folder = {item.folder: item for item in batch.submissions}
    assert sorted(by_folder) == ["submission_1000", "submission_1001", "submission_1002"]
    assert by_folder["submission_1000"].refused is None
    assert by_folder["submission_1000"].name == "Student a"
    assert by_folder["submission_1001"].refused == (
        "unsafe entries in the export, so it was not graded: "
        f"`{WRAPPER}/submission_1001/answers.yaml`: it is a symbolic link")
    assert by_folder["submission_1001"].name == "Student b"  # the metadata still names it
    assert "FIFO" in by_folder["submission_1002"].refused
    assert batch.notes == ("refused archive entry `/tmp/absolute.txt`: it has an absolute path",
                           f"refused archive entry `{WRAPPER}/../../escaped.txt`: its path leaves the archive (`..`)",
                           f"refused archive entry `{WRAPPER}/submission_1000\\..\\..\\windows.txt`: "
                           "its name has a backslash or NUL character")


def test_too_many_entries_refuse_the_whole_archive(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "MAX_ENTRIES", 3)
    archive = _zip(tmp_path / "many.zip", [(f"s/{index}.txt", b"x", stat.S_IFREG | 0o644) for index in range(4)])
    with pytest.raises(ExportError, match=r"many.zip has 4 entries, more than the 3 allowed"):
        unpack_export(archive, tmp_path)
    with pytest.raises(RegradeError, match="more than the 3 allowed"):
        discover(archive, scratch=tmp_path / "scratch")


def test_a_file_too_large_is_refused_and_the_archive_too_large_as_a_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "MAX_FILE_BYTES", 1000)
    archive = _zip(tmp_path / "big.zip", [("s/big.bin", b"\0" * 1001, stat.S_IFREG | 0o644),
                                          ("s/small.txt", b"x" * 600, stat.S_IFREG | 0o644),
                                          ("t/small.txt", b"x" * 600, stat.S_IFREG | 0o644)])
    (tmp_path / "a").mkdir()
    refused = unpack_export(archive, tmp_path / "a")
    assert [(entry.name, entry.reason) for entry in refused] == [("s/big.bin", "it is larger than 1000 bytes")]
    assert not (tmp_path / "a" / "s" / "big.bin").exists()
    monkeypatch.setattr(export, "MAX_TOTAL_BYTES", 1000)
    (tmp_path / "b").mkdir()
    with pytest.raises(ExportError, match="unpacks to more than 1000 bytes"):
        unpack_export(archive, tmp_path / "b")


def test_a_file_that_is_not_a_zip(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(RegradeError, match="neither a folder of submissions nor a zip archive"):
        discover(tmp_path / "notes.txt", scratch=tmp_path)
    with pytest.raises(RegradeError, match="does not exist"):
        discover(tmp_path / "missing", scratch=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(RegradeError, match="holds no submission folders"):
        discover(tmp_path / "empty", scratch=tmp_path)


def test_metadata_is_read_leniently(tmp_path):
    path = tmp_path / "submission_metadata.yml"
    path.write_text(metadata_yaml(["ada"]) + "submission_2:\n  :submitters: not a list\n"
                    "submission_3:\n  :submitters:\n  - :name: 42\n    :email: [odd]\n"
                    "submission_4: just text\n", encoding="utf-8")
    records, notes = read_export_metadata(path)
    assert notes == []
    assert sorted(records) == ["submission_1000", "submission_2", "submission_3"]
    assert records["submission_1000"]["submitters"] == [{":name": "Student ada", ":sid": "0000",
                                                         ":email": "ada@example.edu"}]
    assert records["submission_1000"]["score"] == "18:0.1e2"  # a Ruby tag becomes plain data
    path.write_text("submission_1: [unclosed\n", encoding="utf-8")
    records, notes = read_export_metadata(path)
    assert records == {} and notes[0].startswith("submission_metadata.yml is not valid YAML (")


def test_names_come_from_the_export_and_never_from_a_students_own_metadata(tmp_path, course):
    forged = {"users": [{"name": "Somebody Else", "email": "x@example.edu", "sid": "9999"}],
              "created_at": "2020-01-01T00:00:00Z"}
    (course / "full_marks" / "submission_metadata.json").write_text(json.dumps(forged))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    batch = discover(write_export(tmp_path / "export.zip", course), scratch=scratch)
    people = {item.folder: (item.name, item.email, item.sid) for item in batch.submissions}
    index = sorted(entry.name for entry in course.iterdir()).index("full_marks")
    assert people[f"submission_{1000 + index}"] == ("Student full_marks", "full_marks@example.edu", f"{index:04d}")
    created = {item.folder: item.metadata.created_at.isoformat() for item in batch.submissions}
    assert created[f"submission_{1000 + index}"] == f"2026-10-12T09:3{index}:00-07:00"


def test_a_plain_folder_reads_each_folders_container_metadata(tmp_path):
    folder = tmp_path / "course"
    (folder / "alice" / "submission").mkdir(parents=True)
    (folder / "alice" / "submission" / "answers.yaml").write_bytes(ANSWERS)
    (folder / "alice" / "submission_metadata.json").write_text(json.dumps(
        {"users": [{"name": "Alice", "email": "alice@example.edu", "sid": "17"}]}))
    (folder / "bob").mkdir()
    (folder / "bob" / "answers.yaml").write_bytes(ANSWERS)
    (folder / "bob" / "submission_metadata.json").write_text(json.dumps(  # his own upload: not believed
        {"users": [{"name": "Bob Forged"}], "created_at": "2000-01-01T00:00:00Z"}))
    (folder / ".hidden").mkdir()
    (folder / "notes.txt").write_text("not a submission")
    (folder / "link").symlink_to(folder / "bob")
    batch = discover(folder, scratch=tmp_path)
    assert [(item.folder, item.name, item.email, item.sid, item.path.relative_to(folder).as_posix())
            for item in batch.submissions] == [("alice", "Alice", "alice@example.edu", "17", "alice/submission"),
                                               ("bob", "bob", "", "", "bob")]
    assert batch.submissions[1].metadata is None
    assert batch.notes == ("not followed (symbolic links): link",)
