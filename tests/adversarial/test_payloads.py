"""Pickle and dill payloads in the upload or on the wire: the grader never unpickles anything a student
produced. Each payload, if ever unpickled in the grader (root), would create a marker file in a folder
that only root can write to."""

import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests.adversarial.conftest import assert_contained


class Payload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def marker():
    folder = Path(tempfile.mkdtemp(prefix="adversarial-marker-"))
    os.chmod(folder, 0o755)
    yield folder / "unpickled"
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def _object_npy(marker: Path) -> bytes:
    import io

    buffer = io.BytesIO()
    array = np.empty(1, dtype=object)
    array[0] = Payload(marker)
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def test_pickles_in_the_upload_are_never_loaded(grade, marker):
    payload = pickle.dumps(Payload(marker))
    graded = grade("def victim(a, b, k):\n    return 0\n",
                   files={"model.pkl": payload, "weights.pt": payload, "state.dill": payload,
                          "answers.pkl": payload, "cache.npy": _object_npy(marker)})
    assert_contained(graded)
    assert not marker.exists()


def test_an_object_array_sent_on_the_wire_is_refused(grade, marker):
    import base64

    encoded = base64.b64encode(_object_npy(marker)).decode()
    graded = grade(f"""
        import sys
        main = sys.modules["__main__"]
        def victim(a, b, k):
            main.encode = lambda value, *args, **kwargs: {{"$ndarray": "{encoded}"}}
            return 0
    """)
    assert_contained(graded)
    assert not marker.exists()


def test_a_pickle_returned_as_bytes_is_not_readable(grade, marker):
    payload = pickle.dumps(Payload(marker))
    graded = grade(f"def victim(a, b, k):\n    return {payload!r}\n")
    assert_contained(graded)
    assert not marker.exists()
