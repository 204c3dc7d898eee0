"""Missing, misnamed, duplicated, nested, linked or special files: a clear message, 0 for the parts that
need the file, everything else graded."""

import os

import pytest

from tests.adversarial.conftest import CORRECT_VICTIM, HONEST_CNN, assert_contained

CNN_LOST = {"2.1": 0.0, "2.2": 0.0, "2.3": 1.0, "3.1": 0.0}


def test_missing_file(grade):
    graded = grade(CORRECT_VICTIM, cnn=None)
    assert_contained(graded, victim_score=2.0, honest=CNN_LOST)
    assert "No file `cnn.py` was found" in graded.feedback("2.1")


def test_misnamed_file_in_another_case_is_found(grade):
    graded = grade(CORRECT_VICTIM, cnn=None, files={"CNN.py": HONEST_CNN})
    assert_contained(graded, victim_score=2.0)


def test_a_downloaded_copy_is_graded_and_the_student_told_its_name(grade):
    graded = grade(CORRECT_VICTIM, cnn=None, files={"hw/cnn (1).py": HONEST_CNN})
    assert_contained(graded, victim_score=2.0)
    assert "`hw/cnn (1).py` was graded as `cnn.py`: name it `cnn.py` next time." in graded.results["output"]


def test_two_copies_are_not_guessed_between(grade):
    graded = grade(CORRECT_VICTIM, cnn=None, files={"cnn (1).py": HONEST_CNN, "Copy of cnn.py": HONEST_CNN})
    assert_contained(graded, victim_score=2.0, honest=CNN_LOST)
    assert "`Copy of cnn.py` and `cnn (1).py` could each be it" in graded.feedback("2.1")


def test_a_near_name_is_suggested_not_graded(grade):
    graded = grade(CORRECT_VICTIM, cnn=None, files={"cnn_final.py": HONEST_CNN})
    assert_contained(graded, victim_score=2.0, honest=CNN_LOST)
    assert "it has `cnn_final.py`: if that is yours, rename it to `cnn.py`" in graded.feedback("2.1")


def test_a_file_with_another_extension_is_not_code(grade):
    graded = grade(CORRECT_VICTIM, cnn=None, files={"cnn.py.txt": HONEST_CNN, "cnn.ipynb": HONEST_CNN})
    assert_contained(graded, victim_score=2.0, honest=CNN_LOST)


def test_nested_and_duplicated_files_use_the_shallowest(grade):
    broken = "raise SystemExit('the deeper copy')\n"
    graded = grade(CORRECT_VICTIM, cnn=None, files={"hw/src/cnn.py": HONEST_CNN, "hw/src/old/deep/cnn.py": broken})
    assert_contained(graded, victim_score=2.0)


@pytest.mark.parametrize("target", ["source/problems.yaml", "/etc/shadow", "source"])
def test_links_anywhere_are_never_followed(grade, target):
    def link(submission):
        destination = target if target.startswith("/") else str(submission.parent / target)
        os.symlink(destination, submission / "attack.py")

    graded = grade(None, tamper=link)
    assert_contained(graded)
    assert "No file `attack.py` was found" in graded.feedback("1.1")


def test_a_fifo_in_the_upload_does_not_block_staging(grade):
    graded = grade(None, tamper=lambda submission: os.mkfifo(submission / "attack.py"))
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
    def fifo(submission):
        (submission / "answers.yaml").unlink()
        os.mkfifo(submission / "answers.yaml")

    graded = grade(CORRECT_VICTIM, tamper=fifo)
    assert_contained(graded, victim_score=2.0, honest={"2.1": 1.0, "2.2": 1.0, "2.3": 0.0, "3.1": 1.0})
    assert "not a regular file" in graded.results["output"]
