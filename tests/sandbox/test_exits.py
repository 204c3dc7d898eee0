"""Exit statuses in words, as the notebook and regrade reports give them."""

from __future__ import annotations

import pytest

from grader.sandbox.exits import exit_in_words


@pytest.mark.parametrize(("status", "words"), [
    (None, ""),
    (0, "exited with code 0"),
    (70, "exited with code 70"),
    (-9, "was killed by the system, most likely for running out of memory"),
    (-11, "crashed with a segmentation fault"),
    (-6, "aborted"),
    (-15, "was killed by SIGTERM"),
    (-200, "was killed by signal 200"),
])
def test_exit_statuses_in_words(status, words):
    assert exit_in_words(status) == words
