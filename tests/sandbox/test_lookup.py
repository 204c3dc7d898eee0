"""Finding the wanted file in an upload: exact, nested, another case, a download's or a copy's name; and a
message naming the nearest files when it is not there."""

import pytest

from grader.sandbox.lookup import locate


def test_the_exact_path_wins_over_everything():
    found = locate(("GPUMemory (1).ipynb", "hw/GPUMemory.ipynb", "GPUMemory.ipynb"), "GPUMemory.ipynb")
    assert (found.relative, found.message, found.renamed) == ("GPUMemory.ipynb", "", False)


def test_the_shallowest_file_of_that_name_then_another_case():
    assert locate(("a/b/cnn.py", "a/cnn.py", "CNN.py"), "cnn.py").relative == "a/cnn.py"
    found = locate(("hw/CNN.py", "cnn (1).py"), "cnn.py")
    assert (found.relative, found.renamed) == ("hw/CNN.py", False)


@pytest.mark.parametrize("name", [
    "GPUMemory (1).ipynb",            # a browser's second download
    "GPUMemory(2).ipynb",
    "Copy of GPUMemory.ipynb",        # Colab's "Save a copy in Drive"
    "GPUMemory-Copy1.ipynb",          # Jupyter's "Make a Copy"
    "GPUMemory copy.ipynb",           # macOS Finder
    "GPUMemory copy 2.ipynb",
    "GPUMemory - Copy.ipynb",         # Windows Explorer
    "GPUMemory - Copy (2).ipynb",
    "Copy of GPUMemory (3).ipynb",    # both at once
    "gpu_memory.IPYNB",               # another case and separators
    "hw4/GPU Memory (1).ipynb",
])
def test_a_download_or_a_copy_is_read_and_the_student_told(name):
    found = locate((name, "EdgeDetection.ipynb", "notes.txt"), "GPUMemory.ipynb")
    assert found.relative == name and found.renamed
    assert found.message == f"`{name}` was graded as `GPUMemory.ipynb`: name it `GPUMemory.ipynb` next time."


@pytest.mark.parametrize("name", [
    "GPUMemory_final.ipynb", "GPUMemory2.ipynb", "MyGPUMemory.ipynb", "GPUMemory-checkpoint.ipynb",
    "GPUMemory.py", "GPUMemory.ipynb.txt", "copy.ipynb", "(1).ipynb",
])
def test_other_names_are_not_guessed(name):
    assert locate((name,), "GPUMemory.ipynb").relative is None


NOT_THERE = "No {} was found in your submission"


@pytest.mark.parametrize("files, wanted, message", [
    (("GPUMemory (1).ipynb", "old/Copy of GPUMemory.ipynb", "EdgeDetection.ipynb"), "GPUMemory.ipynb",
     NOT_THERE.format("notebook `GPUMemory.ipynb`") + ", and `GPUMemory (1).ipynb` and `old/Copy of GPUMemory.ipynb` "
     "could each be it: keep one, named `GPUMemory.ipynb`, and resubmit."),                   # two copies: no guess
    (("cnn_final.py", "cnn.ipynb", "answers.yaml"), "cnn.py",
     NOT_THERE.format("file `cnn.py`") + "; it has `cnn_final.py`: if that is yours, rename it to `cnn.py` and "
     "resubmit."),                                                                              # the nearest of its kind
    (("GPUMemory.html", "Copy of GPUMemory.pdf", "EdgeDetection.ipynb"), "GPUMemory.ipynb",
     NOT_THERE.format("notebook `GPUMemory.ipynb`") + "; it has `Copy of GPUMemory.pdf` and `GPUMemory.html`, which "
     "are not `.ipynb`: upload `GPUMemory.ipynb` itself."),                                    # the work in another format
    (("cnn.ipynb",), "cnn.py",
     NOT_THERE.format("file `cnn.py`") + "; it has `cnn.ipynb`, which is not `.py`: upload `cnn.py` itself."),
    (("EdgeDetection.ipynb", "model.py"), "GPUMemory.ipynb", NOT_THERE.format("notebook `GPUMemory.ipynb`") + "."),
    ((), "src/cnn.py", NOT_THERE.format("file `src/cnn.py`") + "."),
])
def test_what_a_missing_file_says(files, wanted, message):
    found = locate(files, wanted)
    assert (found.relative, found.message) == (None, message)


def test_many_copies_are_listed_briefly():
    files = tuple(f"cnn ({index}).py" for index in range(1, 6))
    message = locate(files, "cnn.py").message
    assert message.count("`cnn (") == 3 and message.count("and 2 more") == 1


def test_backticks_in_a_student_name_cannot_end_the_code_span():
    found = locate(("GPUMemory`x (1).ipynb",), "GPUMemory.ipynb")
    assert found.relative is None and "`GPUMemory'x (1).ipynb`" in found.message
