"""Grading an answers file must never import torch: it costs seconds and hundreds of MB on Gradescope.

Nor the code and notebook stages (the code judge, the sandbox, nbclient), which it does not need: they
were a fifth of its start-up time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROGRAM = """
import json, sys
from pathlib import Path
from grader.pipeline import grade_and_write
from grader.problems.loader import load_problem_set
from grader.problems.verify import verify_problem_set
problem_set = load_problem_set(Path('problems/ps3.yaml'))
grade_and_write(problem_set, Path(sys.argv[1]), Path(sys.argv[2]))
heavy = ('torch', 'grader.code.grade', 'grader.code.judge', 'grader.code.compare', 'grader.code.plan', 'grader.sandbox',
         'grader.notebooks.execute', 'nbclient', 'grader.grading.code_parts', 'grader.grading.notebook_parts')
print(json.dumps(sorted(name for name in sys.modules if any(name == h or name.startswith(h + '.') for h in heavy))))
"""


def test_answers_path_does_not_import_torch(tmp_path: Path) -> None:
    for example in ("full_marks", "typical_mistakes", "hostile_values"):
        submission = f"submissions_example/ps3/{example}/submission"
        run = subprocess.run([sys.executable, "-c", PROGRAM, submission, str(tmp_path / "r.json")],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout.strip().splitlines()[-1]) == []
