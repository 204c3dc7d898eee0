"""``grader new NAME``: a starter problem set with one part of every kind, and its graded examples.

The text lives in ``templates/`` (the problem set, and each example's answers.yaml and cnn.py) with
``{{name}}`` where the name goes. The examples' ``expected_results.json`` are not templates: they are made
by grading the examples through the real pipeline, normalised as ``tests/test_examples.py`` does, so the
new set joins the example tests as soon as it is written.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.preflight import normalised
from grader.problems.model import IDENTIFIER

TEMPLATES = Path(__file__).parent / "templates"
PLACEHOLDER = "{{name}}"
MAX_NAME = 64

EXAMPLES: dict[str, tuple[str, ...]] = {
    "full_marks": ("answers.yaml", "cnn.py"),
    "typical_mistakes": ("answers.yaml", "cnn.py"),
}
"""Each example submission and the template files it holds (``templates/<example>/<file>``)."""


@dataclass(frozen=True)
class StarterFiles:
    """Where ``grader new NAME`` writes under ``root``."""

    root: Path
    name: str

    @property
    def problem_file(self) -> Path:
        return self.root / "problems" / f"{self.name}.yaml"

    @property
    def examples(self) -> Path:
        return self.root / "submissions_example" / self.name

    def submission(self, example: str) -> Path:
        return self.examples / example / "submission"

    def expected_results(self, example: str) -> Path:
        return self.examples / example / "expected_results.json"


def new_problem_set(name: str, root: Path) -> list[Path]:
    """Write the starter problem set ``root/problems/<name>.yaml`` and its example submissions under
    ``root/submissions_example/<name>/``, each graded into its ``expected_results.json``.

    Returns the files written, the problem set first. Raises ``ValueError`` for a name that is not a
    lowercase identifier and ``FileExistsError`` when the problem file or the examples folder exists
    (nothing is overwritten). Should grading or validation fail (a bug in the templates), every file
    and folder written is removed again and the error is raised.
    """
    check_name(name)
    files = StarterFiles(Path(root), name)
    existing = [path for path in (files.problem_file, files.examples) if path.exists() or path.is_symlink()]
    if existing:
        raise FileExistsError(f"will not overwrite {', '.join(str(path) for path in existing)}: "
                              "choose another name or remove them first")
    created: list[Path] = []
    try:
        written = [_write(files.problem_file, render_template("problem_set.yaml", name), created)]
        for example, names in EXAMPLES.items():
            written += [_write(files.submission(example) / file, render_template(f"{example}/{file}", name), created)
                        for file in names]
        _check_valid(files.problem_file)
        for example in EXAMPLES:
            written.append(_write(files.expected_results(example),
                                  _graded(files, example, full_marks=example == "full_marks"), created))
    except BaseException:
        _remove(created)
        raise
    return written


def check_name(name: str) -> None:
    """A problem-set id: a lowercase identifier (it names the YAML file, the examples folder and the id)."""
    if not isinstance(name, str) or not re.fullmatch(IDENTIFIER, name) or len(name) > MAX_NAME:
        raise ValueError(f"invalid problem-set name {name!r}: use a lowercase identifier of at most {MAX_NAME} "
                         "characters (a letter, then letters, digits and _), e.g. hw5 or ps3_conv")


def render_template(relative: str, name: str) -> str:
    """A template file's text with the problem-set name substituted."""
    return (TEMPLATES / relative).read_text(encoding="utf-8").replace(PLACEHOLDER, name)


def results_text(results: dict[str, Any]) -> str:
    """The stored form of expected results (as ``tests/test_examples.py --update-goldens`` writes them)."""
    return json.dumps(normalised(results), indent=2, ensure_ascii=False) + "\n"


def _check_valid(problem_file: Path) -> None:
    from grader.problems.loader import validate_file

    errors = validate_file(problem_file)
    if errors:
        raise RuntimeError("the starter problem set is invalid (a bug in grader/authoring/templates):\n"
                           + "\n".join(str(error) for error in errors))


def _graded(files: StarterFiles, example: str, *, full_marks: bool) -> str:
    """Grade one example through the real pipeline and return its expected results, normalised."""
    from grader.pipeline import grade_and_write
    from grader.problems.loader import load_problem_set

    problem_set = load_problem_set(files.problem_file)
    with tempfile.TemporaryDirectory(prefix="grader-new-") as scratch:
        out = Path(scratch) / "results.json"
        report = grade_and_write(problem_set, files.submission(example), out)
        results = json.loads(out.read_text(encoding="utf-8"))
    failed = [part.key for part in report.parts if part.status == "internal_error"]
    if report.internal_error or failed or (full_marks and report.earned < report.possible):
        raise RuntimeError(f"grading the {example} example went wrong (a bug in grader/authoring/templates): "
                           f"{report.earned} of {report.possible} points, internal errors in "
                           f"{failed or report.internal_error}")
    return results_text(results)


def _write(path: Path, text: str, created: list[Path]) -> Path:
    """Create ``path`` (never overwriting), noting it and every folder made for it in ``created``."""
    missing = [folder for folder in reversed(path.parents) if not folder.exists()]
    for folder in missing:
        folder.mkdir()
        created.append(folder)
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        created.append(path)
        handle.write(text)
    return path


def _remove(created: list[Path]) -> None:
    """Undo ``_write``: the files, then the folders (deepest first), each only if it is still ours to remove."""
    for path in reversed(created):
        try:
            path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
        except OSError:
            pass
