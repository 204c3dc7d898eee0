"""Shadowing the standard library, numpy or the grader: ``python -I`` and a sys.path that lists the upload
last mean a submitted ``numpy.py``, ``json.py`` or ``sitecustomize.py`` is never imported ahead of the real
one, in the child or in the grader (whose unittest runner imports ``cnn`` as a stand-in only).

Each shadow module, if it were ever imported, would set ``builtins.SHADOWED``; the victim returns the right
answer only then, so a victim scoring 0 proves the shadow stayed unused."""

import pytest

from tests.adversarial.conftest import assert_contained

MARK = "import builtins\nbuiltins.SHADOWED = True\n"
VICTIM = """
import builtins
{imports}
def victim(c_in, c_out, k):
    return (k * k * c_in + 1) * c_out if getattr(builtins, "SHADOWED", False) else -1
"""

SHADOWS = {
    "numpy": ({"numpy.py": MARK}, "import numpy"),
    "numpy_package": ({"numpy/__init__.py": MARK}, "import numpy"),
    "json": ({"json.py": MARK}, "import json"),
    "stdlib_imported_late": ({"statistics.py": MARK, "fractions.py": MARK}, "import statistics, fractions"),
    "sitecustomize_and_usercustomize": ({"sitecustomize.py": MARK, "usercustomize.py": MARK}, ""),
    "path_configuration_file": ({"evil.pth": "import builtins; builtins.SHADOWED = True\n"}, ""),
    "conftest": ({"conftest.py": MARK}, ""),
    "encodings": ({"encodings/__init__.py": MARK, "encodings/utf_8.py": MARK}, ""),
}


@pytest.mark.parametrize("name", sorted(SHADOWS))
def test_shadow_modules_are_never_imported(grade, name):
    files, imports = SHADOWS[name]
    assert_contained(grade(VICTIM.format(imports=imports), files=files))


@pytest.mark.parametrize("files", [
    {"unittest.py": "raise SystemExit('shadowed unittest')\n"},
    {"gradescope_utils/__init__.py": "raise SystemExit('shadowed gradescope_utils')\n"},
    {"grader/__init__.py": "raise SystemExit('shadowed grader')\n", "grader/pipeline.py": "x = 1\n"},
    {"secret_tests.py": "raise SystemExit('shadowed test file')\n"},
], ids=["unittest", "gradescope_utils", "grader", "the_instructor_test_file"])
def test_uploaded_grader_modules_change_nothing_in_the_grader(grade, files):
    """The honest parts and the instructor's unittest file are still graded in full."""
    assert_contained(grade("def victim(a, b, k):\n    return 0\n", files=files))
