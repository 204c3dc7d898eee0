"""Before student code runs in the container, the key, the results and the upload are root's alone."""

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from grader.gradescope import lock_down
from grader.sandbox.identity import current_identity, readable_by


@pytest.fixture
def open_tmp():
    """A folder every user can search (pytest's own tmp_path sits under a 0700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="grader-test-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can lock the container's folders")
def test_lock_down_hides_the_key_results_and_upload(open_tmp: Path) -> None:
    root = open_tmp / "autograder"
    for folder in ("source/problems", "results", "submission"):
        (root / folder).mkdir(parents=True)
    key = root / "source/problems/ps.yaml"
    key.write_text("secret: 42\n")
    (root / "submission_metadata.json").write_text("{}")
    identity = current_identity()
    assert readable_by(key, identity)

    lock_down(root)

    assert stat.S_IMODE((root / "source").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "results").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "submission_metadata.json").stat().st_mode) == 0o600
    assert not readable_by(key, identity)
    assert not readable_by(root / "submission_metadata.json", identity)


def test_readable_by_follows_every_folder_on_the_way(open_tmp: Path) -> None:
    identity = current_identity()
    if not identity.dropped:
        pytest.skip("without a uid drop everything the grader reads is readable to student code")
    folder = open_tmp / "private"
    folder.mkdir(mode=0o700)
    (folder / "file").write_text("x")
    os.chmod(folder / "file", 0o644)
    assert not readable_by(folder / "file", identity)
    os.chmod(folder, 0o755)
    assert readable_by(folder / "file", identity)
