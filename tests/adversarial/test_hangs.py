"""Infinite loops and sleeps, at call time or import time, ignoring every signal they can: the wall-clock
SIGKILL needs no cooperation, and the rest of the submission is still graded well inside the time limit."""

import pytest

from tests.adversarial.conftest import assert_contained

ATTACKS = {
    "busy_loop": "def victim(a, b, k):\n    while True:\n        pass\n",
    "sleep": "import time\ndef victim(a, b, k):\n    time.sleep(3600)\n",
    "loop_at_import": "while True:\n    pass\n",
    "ignores_signals": """
        import signal
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM):
            signal.signal(number, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, range(1, signal.NSIG))
        def victim(a, b, k):
            while True:
                pass
    """,
    "swallows_every_exception": """
        def victim(a, b, k):
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    continue
    """,
    "spinning_thread_left_behind": """
        import threading
        def spin():
            while True:
                pass
        def victim(a, b, k):
            threading.Thread(target=spin).start()
            return 0
    """,
    "orphan_grandchild": """
        import os, time
        def victim(a, b, k):
            if os.fork() == 0:
                os.setsid()
                time.sleep(3600)
            return 0
    """,
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hangs_are_killed(grade, name):
    graded = grade(ATTACKS[name])
    assert_contained(graded)
    assert graded.seconds < 15
