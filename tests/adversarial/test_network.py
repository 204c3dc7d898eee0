"""Network access: where the platform allows a network namespace (probed at run time), the child has no
route to anything, not even the grader's own loopback. Where it does not, the staff notes say so."""

import socket
import threading

import pytest

from grader.sandbox.identity import CLONE_NEWNET, current_identity
from tests.adversarial.conftest import assert_contained

pytestmark = pytest.mark.skipif(not current_identity().unshare_flags & CLONE_NEWNET,
                                reason="this platform refuses network namespaces (reported in the staff notes)")


@pytest.fixture
def listener():
    """A TCP server on loopback that records whether anything connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connected = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                connected.append(connection.recv(100))
                connection.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connected
    stop.set()
    thread.join(timeout=2)
    server.close()


def test_loopback_of_the_grader_is_unreachable(grade, listener):
    port, connected = listener
    graded = grade(f"""
        import socket
        def victim(c_in, c_out, k):
            with socket.create_connection(("127.0.0.1", {port}), timeout=1) as connection:
                connection.sendall(b"%d %d %d" % (c_in, c_out, k))
            return (k * k * c_in + 1) * c_out
    """)
    assert_contained(graded)
    assert connected == []


@pytest.mark.parametrize("attack", [
    "socket.getaddrinfo('pypi.org', 443)",
    "socket.create_connection(('1.1.1.1', 53), timeout=1)",
    "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('8.8.8.8', 53))",
    "socket.socket(socket.AF_UNIX).connect('\\0cnn-grader-abstract')",
], ids=["dns", "tcp_out", "udp_out", "abstract_unix_socket"])
def test_outside_world_is_unreachable(grade, attack):
    graded = grade(f"""
        import socket
        def victim(c_in, c_out, k):
            {attack}
            return (k * k * c_in + 1) * c_out
    """)
    assert_contained(graded)
