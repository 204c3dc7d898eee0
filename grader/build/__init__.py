"""Package one problem set as Gradescope's ``autograder.zip``, and check a built zip the way Gradescope runs it.

``build_zip`` writes ``setup.sh`` and ``run_autograder`` at the zip's root (LF endings, mode 0755), then
``pyproject.toml``, ``README.md``, the ``grader`` package and, from ``problems/``, only the problem file and
the files it names (its unittest files), at the same relative paths. ``run_autograder``'s ``PROBLEM_SET``
line is set to the problem file. The zip is deterministic: sorted entries, fixed timestamps and modes.

In a git work tree the package is the files git knows (tracked, or untracked and not ignored), and a file
going into the zip that differs from HEAD refuses the build unless ``allow_dirty``; ``BUILD_INFO.json`` at
the zip's root records the commit and whether the zip was dirty. Outside git the package folder is walked
and the report says the files could not be checked.

``check_zip`` unpacks a zip into a temporary Gradescope layout (``<tmp>/autograder/source``, ``submission``,
``results``, ``submission_metadata.json``) and grades every example submission of the problem set with the
unpacked ``run_autograder`` (its ``/autograder`` paths moved to the temporary root) and the unpacked
``grader`` package, in the already-installed venv instead of running ``setup.sh``: the code that grades is
the zip's, never the checkout's. Each results.json must be strict, valid and score as stored.
"""

from grader.build.check import check_zip, relocated, score_differences, strict_results
from grader.build.report import BuildError, BuildReport, Check, CheckReport
from grader.build.zipping import build_zip, problem_location, set_problem_set, zip_bytes

__all__ = ["BuildError", "BuildReport", "Check", "CheckReport", "build_zip", "check_zip", "problem_location",
           "relocated", "score_differences", "set_problem_set", "strict_results", "zip_bytes"]
