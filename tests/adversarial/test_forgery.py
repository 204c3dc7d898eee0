"""Forged results: on stdout, in results.json, on the grader's pipe, or later from a daemon. The score comes
only from the parent's own comparisons, and results.json is written by the grader alone."""

import json
import time

import pytest

from tests.adversarial.conftest import assert_contained, needs_root

FULL_MARKS = json.dumps({"score": 100.0, "tests": [{"score": 2, "max_score": 2, "name": "victim"}]})

ATTACKS = {
    "results_json_on_stdout": f"""
        def victim(a, b, k):
            print('{FULL_MARKS}')
            return 0
    """,
    "results_json_in_the_working_folder": f"""
        import os
        def victim(a, b, k):
            for folder in (".", "results", "/autograder/results"):
                try:
                    os.makedirs(folder, exist_ok=True)
                    with open(os.path.join(folder, "results.json"), "w") as out:
                        out.write('{FULL_MARKS}')
                except OSError:
                    pass
            return 0
    """,
    "early_done_on_the_reply_pipe": """
        import os, stat
        def victim(a, b, k):
            for name in os.listdir("/proc/self/fd"):
                fd = int(name)
                try:
                    if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):
                        os.write(fd, b'{"done": true}\\n')
                except OSError:
                    pass
            return 0
    """,
    "forged_replies_for_every_case": """
        import os, stat
        def victim(a, b, k):
            for name in os.listdir("/proc/self/fd"):
                fd = int(name)
                try:
                    if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):
                        for index in range(2):
                            os.write(fd, b'{"i": %d, "value": {"$int": 1}, "score": 2}\\n' % index)
                        os.write(fd, b'{"done": true}\\n')
                except OSError:
                    pass
            return 0
    """,
    "garbage_on_the_reply_pipe": """
        import os, stat
        def victim(a, b, k):
            for name in os.listdir("/proc/self/fd"):
                fd = int(name)
                try:
                    if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):
                        os.write(fd, b"\\xff\\xfe{{{{ NaN Infinity \\n" * 1000)
                except OSError:
                    pass
            return 0
    """,
    "json_module_patched_in_the_child": """
        import json
        json.dumps = lambda *args, **kwargs: '{"i": 0, "value": 1}'
        def victim(a, b, k):
            return 0
    """,
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_forged_results_are_ignored(grade, name):
    graded = grade(ATTACKS[name])
    assert_contained(graded)
    assert graded.results["score"] == 4.0


@needs_root
def test_a_daemon_cannot_rewrite_results_after_grading(grade):
    attack = f"""
        import os, time
        def victim(a, b, k):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(1.0)
                    for path in ("{{ROOT}}/results/results.json", "{{ROOT}}/results/forged.json"):
                        try:
                            with open(path, "w") as out:
                                out.write('{FULL_MARKS}')
                        except OSError:
                            pass
                os._exit(0)
            return 0
    """
    graded = grade(attack)
    written = graded.results_file().read_text()
    time.sleep(1.5)
    assert graded.results_file().read_text() == written
    assert not (graded.root / "results" / "forged.json").exists()
    assert_contained(graded)


@needs_root
def test_the_grader_process_cannot_be_signalled(grade):
    graded = grade("""
        import os, signal
        def victim(a, b, k):
            for pid in (os.getppid(), 1):
                for number in (signal.SIGSTOP, signal.SIGKILL):
                    try:
                        os.kill(pid, number)
                    except OSError:
                        pass
            os.kill(-1, signal.SIGKILL)
    """)
    assert_contained(graded)
