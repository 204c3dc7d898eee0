"""Fork, thread, memory, disk, file-descriptor and output bombs: the child's rlimits and the parent's caps
stop each one; the part scores 0, the rest is graded, the grader's own memory stays bounded, and nothing
the bomb made outlives the run."""

import os
import resource
from pathlib import Path

import pytest

from grader.sandbox.identity import current_identity
from tests.adversarial.conftest import assert_contained, needs_root

ATTACKS = {
    "fork_bomb": """
        import os
        def victim(a, b, k):
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    """,
    "fork_bomb_at_import": """
        import os
        for _ in range(10000):
            try:
                os.fork()
            except OSError:
                break
        def victim(a, b, k):
            return 0
    """,
    "thread_bomb": """
        import threading, time
        def victim(a, b, k):
            while True:
                threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
    """,
    "memory_bomb": """
        def victim(a, b, k):
            hoard = []
            while True:
                hoard.append(bytearray(64 * 1024 * 1024))
    """,
    "memory_bomb_numpy": """
        import numpy as np
        def victim(a, b, k):
            return int(np.ones((1 << 40,), dtype=np.uint8).sum())
    """,
    "disk_bomb_one_file": """
        def victim(a, b, k):
            with open("fill.bin", "wb") as out:
                while True:
                    out.write(b"x" * (1 << 20))
    """,
    "disk_bomb_many_files_in_tmp": """
        import os, tempfile
        def victim(a, b, k):
            for index in range(100000):
                for folder in ("/tmp", "/dev/shm", "/var/tmp", tempfile.gettempdir()):
                    try:
                        with open(os.path.join(folder, "bomb-%d" % index), "wb") as out:
                            out.write(b"x" * (4 << 20))
                    except OSError:
                        pass
    """,
    "descriptor_bomb": """
        import os
        def victim(a, b, k):
            kept = []
            while True:
                kept.append(os.open("/dev/null", os.O_RDONLY))
    """,
    "print_bomb": """
        def victim(a, b, k):
            while True:
                print("spam" * 10000)
    """,
    "raw_stdout_and_stderr_bomb": """
        import os
        def victim(a, b, k):
            while True:
                os.write(1, b"x" * 65536)
                os.write(2, b"y" * 65536)
    """,
    "huge_return_list": """
        def victim(a, b, k):
            return list(range(10 ** 7))
    """,
    "huge_return_array": """
        import numpy as np
        def victim(a, b, k):
            return np.zeros(40 * 1024 * 1024 // 8)
    """,
    "deeply_nested_return": """
        def victim(a, b, k):
            value = 0
            for _ in range(100000):
                value = [value]
            return value
    """,
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_bombs_are_contained(grade, name):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    graded = grade(ATTACKS[name])
    assert_contained(graded)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200, f"the grader's own peak memory grew by {grown_mb:.0f} MB"


@needs_root
def test_files_left_in_shared_temporary_folders_are_removed(grade):
    graded = grade(ATTACKS["disk_bomb_many_files_in_tmp"])
    assert_contained(graded)
    uid = current_identity().uid
    for folder in ("/tmp", "/dev/shm", "/var/tmp"):
        if Path(folder).is_dir():
            left = [entry.name for entry in os.scandir(folder) if entry.name.startswith("bomb-")]
            assert left == [], f"{folder} still holds {left[:5]} (uid {uid})"
