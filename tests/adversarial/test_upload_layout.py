"""Missing, misnamed, duplicated, nested, linked or special files: a clear message, 0 for the parts that
need the file, everything else graded."""

import os

import pytest

from tests.adversarial.conftest import CORRECT_VICTIM, HONEST_CNN, assert_contained, grade_in_container

CNN_LOST = {"2.1": 0.0, "2.2": 0.0, "2.3": 1.0, "3.1": 0.0}


def test_missing_file(grade):
    graded = grade(CORRECT_VICTIM, cnn=None)
    assert_contained(graded, victim_score=2.0, honest=CNN_LOST)
    assert "No file `cnn.py` was found" in graded.feedback("2.1")


def test_misnamed_file_in_another_case_is_found(grade):
    graded = grade(CORRECT_VICTIM, cnn=None, files={"CNN.py": HONEST_CNN})
    assert_contained(graded, victim_score=2.0)


def test_a_file_with_another_extension_is_not_code(grade):
    graded = grade(CORRECT_VICTIM, cnn=None, files={"cnn.py.txt": HONEST_CNN, "cnn.ipynb": HONEST_CNN})
    assert_contained(graded, victim_score=2.0, honest=CNN_LOST)


def test_nested_and_duplicated_files_use_the_shallowest(grade):
    broken = "raise SystemExit('the deeper copy')\n"
    graded = grade(CORRECT_VICTIM, cnn=None, files={"hw/src/cnn.py": HONEST_CNN, "hw/src/old/deep/cnn.py": broken})
    assert_contained(graded, victim_score=2.0)


@pytest.mark.parametrize("target", ["source/problems.yaml", "/etc/shadow", "source"])
def test_links_anywhere_are_never_followed(target):
    """The upload is laid out by hand here (the harness writes plain files): attack.py links elsewhere."""
    import shutil

    from tests.adversarial import conftest

    original = conftest._lay_out

    def lay_out_with_link(root, *args):
        original(root, *args)
        destination = target if target.startswith("/") else str(root / target)
        os.symlink(destination, root / "submission" / "attack.py")

    conftest._lay_out = lay_out_with_link
    try:
        graded = grade_in_container(None)
    finally:
        conftest._lay_out = original
    try:
        assert_contained(graded)
        assert "No file `attack.py` was found" in graded.feedback("1.1")
    finally:
        shutil.rmtree(graded.root, ignore_errors=True)


def test_a_fifo_in_the_upload_does_not_block_staging(grade):
    from tests.adversarial import conftest

    original = conftest._lay_out

    def lay_out_with_fifo(root, *args):
        original(root, *args)
        os.mkfifo(root / "submission" / "attack.py")

    conftest._lay_out = lay_out_with_fifo
    try:
        graded = grade(None)
    finally:
        conftest._lay_out = original
    assert_contained(graded)


def test_a_folder_named_like_the_file(grade):
    graded = grade(None, files={"attack.py/victim.py": CORRECT_VICTIM})
    assert_contained(graded)
    assert "No file `attack.py` was found" in graded.feedback("1.1")


def test_thousands_of_files_and_a_huge_one(grade):
    files = {f"junk/{index}.txt": "x" for index in range(3000)}
    files["aaa_huge.bin"] = b"\0" * (60 * 1024 * 1024)
    graded = grade(CORRECT_VICTIM, files=files)
    assert_contained(graded, victim_score=2.0)
    assert graded.seconds < 20
    assert any("files of the submission were not used" in note for note in graded.results["extra_data"]["staff_notes"])


def test_an_empty_submission(grade):
    graded = grade(None, cnn=None, answers=None)
    assert_contained(graded, honest={"2.1": 0.0, "2.2": 0.0, "2.3": 0.0, "3.1": 0.0})


def test_an_answers_file_that_is_a_fifo_does_not_hang_grading(grade):
    from tests.adversarial import conftest

    original = conftest._lay_out

    def lay_out_with_fifo(root, *args):
        original(root, *args)
        (root / "submission" / "answers.yaml").unlink()
        os.mkfifo(root / "submission" / "answers.yaml")

    conftest._lay_out = lay_out_with_fifo
    try:
        graded = grade(CORRECT_VICTIM)
    finally:
        conftest._lay_out = original
    assert_contained(graded, victim_score=2.0, honest={"2.1": 1.0, "2.2": 1.0, "2.3": 0.0, "3.1": 1.0})
    assert "not a regular file" in graded.results["output"]
