"""A small course for the regrade tests: the Problem Set 3 examples as a folder of submission folders, and
the same as a Gradescope export zip with its submission_metadata.yml; and an export of one example handed
in by many students at given times, for the late policy."""

from __future__ import annotations

import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PS3 = ROOT / "problems" / "ps3.yaml"
EXAMPLES = ROOT / "submissions_example" / "ps3"
NAMES = sorted(example.name for example in EXAMPLES.iterdir() if (example / "submission").is_dir())
WRAPPER = "assignment_4242_export"


def expected_results(name: str) -> dict:
    return json.loads((EXAMPLES / name / "expected_results.json").read_text(encoding="utf-8"))


def without_time(results: dict) -> dict:
    return {key: value for key, value in results.items() if key != "execution_time"}


def export_id(index: int) -> str:
    return f"submission_{1000 + index}"


def metadata_yaml(names: list[str]) -> str:
    """submission_metadata.yml as Gradescope writes it: Ruby-symbol keys, Ruby tags, anchors."""
    lines = []
    for index, name in enumerate(names):
        lines += [f"{export_id(index)}:",
                  "  :submitters:",
                  f"  - :name: Student {name}",
                  f"    :sid: '{index:04d}'",
                  f"    :email: {name}@example.edu",
                  f"  :created_at: 2026-10-12 09:3{index % 10}:00.000000000 -07:00",
                  "  :score: !ruby/object:BigDecimal 18:0.1e2",
                  f"  :history: &h{index} []",
                  f"  :previous: *h{index}"]
    return "\n".join(lines) + "\n"


def add_file(bundle: zipfile.ZipFile, name: str, data: bytes | str, mode: int = stat.S_IFREG | 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 10, 12, 9, 30, 0))
    info.external_attr = mode << 16
    bundle.writestr(info, data)


def write_export(path: Path, course: Path, names: list[str] | None = None) -> Path:
    """A Gradescope-style export of the course's folders (renamed submission_<id>) with its metadata."""
    names = names or sorted(entry.name for entry in course.iterdir())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        add_file(bundle, f"{WRAPPER}/submission_metadata.yml", metadata_yaml(names))
        for index, name in enumerate(names):
            add_file(bundle, f"{WRAPPER}/{export_id(index)}/", b"", stat.S_IFDIR | 0o755)
            for file in sorted((course / name).rglob("*")):
                if file.is_file():
                    relative = file.relative_to(course / name).as_posix()
                    add_file(bundle, f"{WRAPPER}/{export_id(index)}/{relative}", file.read_bytes())
    return path


def write_timed_export(path: Path, students: dict[str, tuple[list[tuple[str, str, str]], str]],
                       example: str = "full_marks") -> Path:
    """An export in which every submission is ``example``'s: folder → its submitters' (name, email, sid)
    and when it was submitted (``2026-10-12 09:30:00 -07:00``)."""
    source = EXAMPLES / example / "submission"
    lines = []
    for folder, (people, created) in students.items():
        lines += [f"{folder}:", "  :submitters:"]
        for name, email, sid in people:
            lines += [f"  - :name: {name}", f"    :sid: '{sid}'", f"    :email: {email}"]
        lines += [f"  :created_at: {created}", "  :score: !ruby/object:BigDecimal 18:0.1e2"]
    with zipfile.ZipFile(path, "w") as bundle:
        add_file(bundle, f"{WRAPPER}/submission_metadata.yml", "\n".join(lines) + "\n")
        for folder in students:
            add_file(bundle, f"{WRAPPER}/{folder}/", b"", stat.S_IFDIR | 0o755)
            for file in sorted(source.rglob("*")):
                if file.is_file():
                    add_file(bundle, f"{WRAPPER}/{folder}/{file.relative_to(source).as_posix()}", file.read_bytes())
    return path


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """The ps3 examples' submission folders, one folder per example, named after it."""
    folder = tmp_path / "course"
    for name in NAMES:
        shutil.copytree(EXAMPLES / name / "submission", folder / name)
    return folder


CODE_PROBLEMS = """\
id: timing
title: "One code part"
document: none.txt
problems:
  - id: sizes
    title: Sizes
    parts:
      - id: conv_output_size
        prompt: Write `conv_output_size(n, k, s=1, p=0, d=1)` in `cnn.py`.
        points: 1
        expected: {solver: conv_output_size}
        code:
          file: cnn.py
          function: conv_output_size
          signature: [size, kernel_size, stride, padding, dilation]
          cases: [{size: 32, kernel_size: 5, stride: 1, padding: 2, dilation: 1}]
          timeout: 30
"""


def timing_course(tmp_path: Path) -> tuple[Path, Path]:
    """A one-part code problem set and a course of two: ``honest`` grades at once, ``slow`` sleeps 60 s."""
    problems = tmp_path / "timing.yaml"
    problems.write_text(CODE_PROBLEMS)
    course = tmp_path / "course"
    (course / "honest").mkdir(parents=True)
    (course / "honest" / "cnn.py").write_text(
        "def conv_output_size(n, k, s=1, p=0, d=1):\n    return (n + 2 * p - d * (k - 1) - 1) // s + 1\n")
    (course / "slow").mkdir()
    (course / "slow" / "cnn.py").write_text(
        "import time\n\ndef conv_output_size(n, k, s=1, p=0, d=1):\n    time.sleep(60)\n")
    return problems, course
