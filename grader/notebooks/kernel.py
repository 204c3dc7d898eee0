"""An IPython kernel as the sandbox user: forced kernel command (the notebook's kernelspec is ignored),
scrubbed environment, resource limits, a network namespace where allowed, and ZeroMQ over Unix sockets
in the sandbox's private folder (a kernel in its own network namespace cannot reach the grader's
loopback, but it can reach a socket file)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from grader.sandbox.identity import Identity
from grader.sandbox.launch import child_preexec, sandbox_python, scrubbed_environment
from grader.sandbox.limits import Limits


def kernel_manager(home: Path, identity: Identity, python: str | None = None) -> Any:
    """A kernel manager whose connection file the sandbox user can read and whose sockets live in ``home``."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    manager = AsyncKernelManager(transport="ipc", ip=str(home / "kernel"),
                                 connection_file=str(home / "kernel.json"))
    argv = [python or sandbox_python(), "-I", "-B", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    manager._kernel_spec = KernelSpec(argv=argv, display_name="grader", language="python")
    manager.write_connection_file()
    if identity.dropped:
        os.chown(home / "kernel.json", identity.uid, identity.gid)
    return manager


GPU_ENVIRONMENT = ("LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "CUDA_MODULE_LOADING")
"""What a kernel lent the GPU keeps of the grader's environment: where the driver's libraries are, which
devices it may see."""


def launch_options(home: Path, cwd: Path, identity: Identity, limits: Limits, marker: str,
                   gpu: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``NotebookClient.async_setup_kernel`` (passed on to ``Popen``)."""
    environment = scrubbed_environment(home, marker)
    if gpu:
        environment.update({name: os.environ[name] for name in GPU_ENVIRONMENT if name in os.environ})
    environment["PYTHONNOUSERSITE"] = "1"
    environment["IPYTHONDIR"] = str(home / ".ipython")
    environment["MPLCONFIGDIR"] = str(home / ".matplotlib")
    return {"env": environment, "cwd": str(cwd), "preexec_fn": child_preexec(identity, limits),
            "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
