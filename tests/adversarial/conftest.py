"""The adversarial suite's harness: grade one hostile submission exactly as Gradescope would, then check
the contract every bad submission must end with (THREATS.md): a valid strict-JSON results.json; 0 for
the attacked part only, the honest parts graded in full; no expected value, hidden input or grader path
in what students see; no traceback shown to students; bounded wall time; no sandbox process left alive.

Each submission holds ``attack.py`` (the attack, graded first by part 1.1) beside an honest ``cnn.py``
and ``answers.yaml`` (parts 2.x and the instructor's unittest file, graded after it in the same session).
An attack's source may name ``{ROOT}``, the container's root, as ``/autograder`` is known on Gradescope.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from grader.gradescope import run_in_container
from grader.problems.loader import load_problem_set
from grader.sandbox.identity import current_identity
from grader.sandbox.slots import SLOTS, UID_BASE
from grader.solvers import SOLVERS
from tests.helpers import load_valid_results

HERE = Path(__file__).parent
REPO = HERE.parent.parent
PROBLEMS = HERE / "problems.yaml"

HONEST_CNN = '''
def conv_output_size(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1

def conv2d_params(c_in, c_out, k, bias=True):
    return (k * k * c_in + bias) * c_out
'''
HONEST_ANSWERS = "honest.written: 1010\n"
CORRECT_VICTIM = "def victim(c_in, c_out, k):\n    return (k * k * c_in + 1) * c_out\n"

VICTIM = "1.1"
HONEST = {"2.1": 1.0, "2.2": 1.0, "2.3": 1.0, "3.1": 1.0}
"""Gradescope numbers of the honest parts and their full scores (3.1 is the unittest file's test)."""

MAX_SECONDS = 30.0
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="without root, student code runs as the grader's user "
                                "(reduced isolation, reported in the staff notes)")


def _secrets() -> list[str]:
    """Values that must never reach a student: the victim's hidden inputs and their expected values, the
    unittest file's expected value."""
    problem_set = load_problem_set(PROBLEMS)
    victim = problem_set.problems[0].parts[0]
    solver = SOLVERS[victim.expected.solver]
    values = ["8675300"]
    for case in victim.code.cases:
        values += [str(value) for value in case.values() if isinstance(value, int) and value > 1000]
        values.append(str(solver(**case)))
    return values


SECRETS = _secrets()


@dataclass
class Graded:
    root: Path
    results: dict[str, Any]
    seconds: float
    tests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def score(self, number: str) -> float:
        return self.tests[number]["score"]

    def feedback(self, number: str) -> str:
        return self.tests[number]["output"]

    def student_text(self) -> str:
        """Everything a student can read: the top-level output and every test that is not hidden."""
        shown = [self.results.get("output", "")]
        shown += [f"{test['name']}\n{test.get('output', '')}" for test in self.results["tests"]
                  if test.get("visibility", "visible") != "hidden"]
        return "\n".join(shown)

    def results_file(self) -> Path:
        return self.root / "results" / "results.json"


def sandbox_processes() -> list[int]:
    """Processes of any sandbox uid (the sandbox user and every slot uid); empty without a uid drop."""
    identity = current_identity()
    if not identity.dropped:
        return []
    uids = {identity.uid, *range(UID_BASE, UID_BASE + SLOTS)}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid in uids and (entry / "stat").read_text().split(") ")[-1][0] != "Z":
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def grade_in_container(attack: str | None, *, files: dict[str, str | bytes] | None = None,
                       cnn: str | None = HONEST_CNN, answers: str | bytes | None = HONEST_ANSWERS,
                       problems: Path = PROBLEMS, tamper: Callable[[Path], None] | None = None) -> Graded:
    """Lay out a Gradescope container in an open temporary folder (so that only the grader's lock-down
    protects it), put the submission in, and run the real entry point."""
    root = Path(tempfile.mkdtemp(prefix="adversarial-"))
    try:
        _lay_out(root, attack, files, cnn, answers, problems)
        if tamper is not None:  # what plain files cannot express: links, FIFOs
            tamper(root / "submission")
        started = time.perf_counter()
        assert run_in_container(root=root, problems=root / "source" / "problems.yaml") == 0
        seconds = time.perf_counter() - started
        results = load_valid_results(root / "results" / "results.json")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Graded(root, results, seconds, {test["number"]: test for test in results["tests"]})


def _lay_out(root: Path, attack: str | None, files: dict[str, str | bytes] | None, cnn: str | None,
             answers: str | bytes | None, problems: Path = PROBLEMS) -> None:
    source, submission = root / "source", root / "submission"
    for folder in (source, root / "results", submission):
        folder.mkdir()
    shutil.copy(problems, source / "problems.yaml")
    shutil.copy(HERE / "secret_tests.py", source / "secret_tests.py")
    upload = dict(files or {})
    if attack is not None:
        upload["attack.py"] = textwrap.dedent(attack).replace("{ROOT}", str(root))
    if cnn is not None:
        upload.setdefault("cnn.py", cnn)
    if answers is not None:
        upload.setdefault("answers.yaml", answers)
    for name, content in upload.items():
        path = submission / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for folder in (root, source, root / "results", submission):
        os.chmod(folder, 0o755)


def assert_contained(graded: Graded, *, victim_score: float = 0.0, honest: dict[str, float] | None = None,
                     secrets: tuple[str, ...] | None = None) -> None:
    """The contract of THREATS.md for one graded hostile submission."""
    assert graded.seconds < MAX_SECONDS, f"grading took {graded.seconds:.1f} s"
    assert graded.score(VICTIM) == victim_score, graded.feedback(VICTIM)
    for number, full in (HONEST if honest is None else honest).items():
        assert graded.score(number) == full, f"part {number}: {graded.feedback(number)}"
    assert graded.results["score"] == round(sum(test["score"] for test in graded.results["tests"]), 2)
    shown = graded.student_text()
    assert "Traceback" not in shown and 'File "' not in shown
    for leak in (str(graded.root), str(REPO), "site-packages", "cnn-sandbox-", "/grader/", "problems.yaml",
                 "secret_tests"):
        assert leak not in shown, f"{leak!r} is shown to the student"
    for secret in SECRETS if secrets is None else secrets:
        assert secret not in shown, f"the secret {secret} is shown to the student"
    assert not any(test["status"] == "failed" and "internal error" in test.get("output", "")
                   for test in graded.results["tests"]), "an attack is reported as the grader's fault"
    deadline = time.monotonic() + 2.0
    while sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox_processes() == [], "a sandbox process outlived the grading run"


@pytest.fixture
def grade():
    """``grade(attack_source, files=..., cnn=..., answers=...)`` → Graded; the container is removed after."""
    made: list[Graded] = []

    def run(attack: str | None, **kwargs: Any) -> Graded:
        graded = grade_in_container(attack, **kwargs)
        made.append(graded)
        return graded

    yield run
    for graded in made:
        shutil.rmtree(graded.root, ignore_errors=True)
