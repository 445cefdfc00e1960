"""``trackcast serve`` as a real subprocess on 127.0.0.1, with helpers to call its API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ROOT
from tests.waiting import scaled


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TrackcastServer:
    """Starts ``trackcast serve --config config`` and waits until /readyz answers."""

    def __init__(
        self,
        config: Path,
        *,
        admin_token: str | None = None,
        args: Sequence[str] = (),
        program: Sequence[str] = (),
        split_output: bool = False,
    ) -> None:
        """``args``: more ``trackcast serve`` arguments (``--open``); ``program``: what runs
        instead of the ``trackcast`` script (``python -m tests.servers.blob_serve``);
        ``split_output``: keep stderr apart (:meth:`errors`), :meth:`output` is then stdout."""
        self.config = config
        self.program = tuple(program)
        self.args = tuple(args)
        self.port = free_port()
        self.admin_token = admin_token
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._errors = tempfile.TemporaryFile() if split_output else None  # noqa: SIM115 - same

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}

    def start(self, ready_timeout_s: float = 90) -> None:
        env = dict(os.environ)
        if self.admin_token:
            env["TRACKCAST_ADMIN_TOKEN"] = self.admin_token
        program = self.program or (str(Path(sys.executable).with_name("trackcast")),)
        command = [*program, "serve", "--config", str(self.config), "--port", str(self.port)]
        command += self.args
        self._process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=self._errors if self._errors is not None else subprocess.STDOUT,
        )
        deadline = time.monotonic() + scaled(ready_timeout_s)
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self._process.poll() is not None:
                stderr = self.errors() if self._errors is not None else ""
                raise RuntimeError(f"trackcast serve exited early:\n{self.output()}{stderr}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"trackcast serve not ready in {scaled(ready_timeout_s):.0f} s")
            time.sleep(0.2)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return httpx.request(
            method, f"{self.url}{path}", headers=headers, timeout=scaled(30), **kwargs
        )

    def terminate(self, timeout_s: float = 60) -> int:
        """SIGTERM, then the exit status (uvicorn re-raises the signal after a clean shutdown)."""
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        return self._process.wait(timeout=scaled(timeout_s))

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def errors(self) -> str:
        """What the server wrote on stderr (with ``split_output``)."""
        assert self._errors is not None, "TrackcastServer(split_output=True) keeps stderr"
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace")

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._log.close()
        if self._errors is not None:
            self._errors.close()
