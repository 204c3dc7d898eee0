import textwrap
from pathlib import Path

import pytest

from grader.sandbox import SandboxSession


@pytest.fixture
def submission(tmp_path: Path):
    """Write ``cnn.py`` (and any other files) into a fresh submission folder."""
    def write(source: str = "", **files: str) -> Path:
        folder = tmp_path / "submission"
        folder.mkdir(exist_ok=True)
        (folder / "cnn.py").write_text(textwrap.dedent(source))
        for name, text in files.items():
            path = folder / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return folder
    return write


@pytest.fixture
def run(submission):
    """Call one function of a one-file submission on some argument tuples; returns the CallReport."""
    def call(source: str, function: str, *arg_tuples, timeout: float = 5.0, **limits):
        with SandboxSession(submission(source)) as sandbox:
            return sandbox.call("cnn.py", function, [(args, {}) for args in arg_tuples], timeout=timeout)
    return call
