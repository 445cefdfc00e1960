"""A real Mosquitto broker on 127.0.0.1 and a subscriber that records what it receives."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Self

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from tests.waiting import scaled

MOSQUITTO = Path("/usr/sbin/mosquitto")
MOSQUITTO_PASSWD = Path("/usr/bin/mosquitto_passwd")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class TlsListener:
    """A second listener on ``port`` with TLS; with ``require_certificate`` clients must show a
    certificate that ``cafile`` signed."""

    cafile: Path
    certfile: Path
    keyfile: Path
    require_certificate: bool = False
    port: int = field(default_factory=lambda: free_port())


class MosquittoBroker:
    """Debian's mosquitto in a subprocess, listening on 127.0.0.1:``port`` only (and on a
    TLS listener when given one); anonymous unless ``users`` (name -> password) are given."""

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        *,
        tls: TlsListener | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        if not MOSQUITTO.is_file():
            pytest.fail(f"{MOSQUITTO} is missing: apt-get install mosquitto (scripts/setup.sh)")
        self.port = port or free_port()
        self.tls = tls
        self.users = users
        self.workdir = workdir
        self.config_path = workdir / "mosquitto.conf"
        self.log_path = workdir / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout_s: float = 5.0) -> None:
        lines = [
            f"listener {self.port} 127.0.0.1",
            f"allow_anonymous {'false' if self.users else 'true'}",
            "persistence false",
            "log_dest stderr",
        ]
        if os.geteuid() == 0:  # root: stay root, or the files under tmp_path (0700) are unreadable
            lines.append("user root")
        if self.users:
            passwords = self.workdir / "mosquitto.passwd"
            passwords.write_text("")
            for user, password in self.users.items():
                subprocess.run(
                    [MOSQUITTO_PASSWD, "-b", str(passwords), user, password],
                    check=True,
                    capture_output=True,
                )
            lines.append(f"password_file {passwords}")
        if self.tls is not None:
            lines += [
                f"listener {self.tls.port} 127.0.0.1",
                f"cafile {self.tls.cafile}",
                f"certfile {self.tls.certfile}",
                f"keyfile {self.tls.keyfile}",
                f"require_certificate {'true' if self.tls.require_certificate else 'false'}",
            ]
        self.config_path.write_text("\n".join(lines) + "\n")
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [str(MOSQUITTO), "-c", str(self.config_path)],
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + scaled(timeout_s)
        while not self._accepts_connections():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"mosquitto did not start: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool


class Subscriber:
    """A paho client subscribed to ``topic`` (QoS 1) for the length of a ``with`` block."""

    def __init__(
        self,
        port: int,
        topic: str,
        *,
        auth: tuple[str, str] | None = None,
        client_id: str = "test-subscriber",
    ) -> None:
        self.topic = topic
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._subscribed = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        if auth is not None:
            self._client.username_pw_set(*auth)
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._port = port

    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def last(self, topic: str) -> Message | None:
        """The newest message on ``topic``, if any."""
        found = [m for m in self.messages() if m.topic == topic]
        return found[-1] if found else None

    def __enter__(self) -> Self:
        self._client.connect("127.0.0.1", self._port)
        self._client.loop_start()
        self._client.subscribe(self.topic, qos=1)
        if not self._subscribed.wait(5):
            self.__exit__()
            pytest.fail(f"could not subscribe to {self.topic}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self._messages.append(
                Message(message.topic, bytes(message.payload), message.qos, message.retain)
            )

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        self._subscribed.set()
