"""``trackcast cluster head`` and ``trackcast cluster worker`` as real processes on loopback.

Ray's own ``ray start`` refuses 127.0.0.1 for a multi-node cluster (it swaps it for the machine's
outward address), so the nodes advertise 127.0.0.2 (or 127.0.0.3, standing for another
machine), other loopback addresses. Each node gets
its own session folder, and its own session (process group) so that :meth:`RayNode.stop` can
tell whether every process it started ended.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

from tests.servers.trackcast_server import free_port
from tests.waiting import scaled, wait_until

NODE_IP = "127.0.0.2"
OBJECT_STORE_BYTES = 100 * 1024 * 1024
"""Ray's smallest object store is 75 MiB; the machine's shared memory is shared by other tests."""


def trackcast_program() -> str:
    return str(Path(sys.executable).with_name("trackcast"))


class RayNode:
    """One ``trackcast cluster ...`` node process; :meth:`stop` ends it and all it started."""

    def __init__(self, args: list[str], node_ip: str = NODE_IP) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="tc-ray-"))  # short: Ray's socket paths
        ray_options = [
            f"--node-ip-address={node_ip}",
            f"--dashboard-agent-listen-port={free_port()}",
            f"--object-store-memory={OBJECT_STORE_BYTES}",
        ]
        command = [trackcast_program(), *args, f"--temp-dir={self.folder}"]
        env = {k: v for k, v in os.environ.items() if k != "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"}
        self._log: IO[bytes] = (self.folder / "node.log").open("wb")
        self._kept_output: str | None = None
        self.process = subprocess.Popen(
            [*command, "--", *ray_options],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )

    def output(self) -> str:
        if self._kept_output is not None:
            return self._kept_output
        return (self.folder / "node.log").read_text(errors="replace")

    def session_processes(self) -> list[int]:
        """Processes still in the node's session: it, and what it started."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getsid(int(entry.name)) == self.process.pid:
                        found.append(int(entry.name))
                except ProcessLookupError:
                    continue
        return found

    def stop(self, timeout_s: float = 60) -> int:
        """SIGTERM, as ``docker stop`` sends, to the node's process (to every process of its
        session once the process has returned, as ``trackcast cluster join`` does); its exit
        code. Every process of the session must end (SIGKILLed after ``timeout_s`` if not, and
        the test fails)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        else:
            with contextlib.suppress(ProcessLookupError):  # none left
                os.killpg(self.process.pid, signal.SIGTERM)
        try:
            code = self.process.wait(timeout=scaled(timeout_s))
            wait_until(lambda: not self.session_processes(), timeout_s=timeout_s, step_s=0.2)
            return code
        finally:
            self.kill()

    def kill(self) -> None:
        """Whatever is left of the node's session, SIGKILLed, and its folder removed (a test's
        clean-up; :meth:`output` is kept)."""
        if self.process.poll() is None or self.session_processes():
            with contextlib.suppress(ProcessLookupError):  # ended meanwhile
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=scaled(30))
        self._log.close()
        if self._kept_output is None:
            self._kept_output = self.output()
            shutil.rmtree(self.folder, ignore_errors=True)


def start_head() -> tuple[RayNode, str]:
    """A head and the address workers join."""
    port = free_port()
    return RayNode(["cluster", "head", f"--port={port}", "--num-cpus=1"]), f"{NODE_IP}:{port}"


def start_worker(address: str, cameras: int) -> RayNode:
    return RayNode(
        ["cluster", "worker", f"--address={address}", f"--cameras={cameras}", "--num-cpus=1"]
    )
