"""A TA without root can still grade code locally; the reduced isolation is reported, never hidden."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader.sandbox.identity import readable_by, current_identity

EXAMPLE = Path("submissions_example/cnn_code/typical_mistakes")


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None,
                    reason="needs root to run the grader as an ordinary user")
def test_grading_as_an_ordinary_user_works_and_says_isolation_is_reduced() -> None:
    repo = Path.cwd()
    if not readable_by(repo / "problems/cnn_code.yaml", current_identity()):
        pytest.skip("this checkout is not readable by other users")
    folder = Path(tempfile.mkdtemp(prefix="grader-nonroot-"))
    try:
        os.chmod(folder, 0o777)
        out = folder / "results.json"
        run = subprocess.run(
            ["runuser", "-u", "nobody", "--", sys.executable, "-m", "grader", "grade",
             str(repo / EXAMPLE / "submission"), "--problems", str(repo / "problems/cnn_code.yaml"),
             "--out", str(out)],
            cwd=folder, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert "isolation reduced: the grader is not root" in run.stdout
        results = json.loads(out.read_text())
        stored = json.loads((EXAMPLE / "expected_results.json").read_text())
        assert results["score"] == stored["score"]
        assert [t["score"] for t in results["tests"]] == [t["score"] for t in stored["tests"]]
        assert any("isolation reduced" in note for note in results["extra_data"]["staff_notes"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
