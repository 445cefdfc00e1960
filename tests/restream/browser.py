"""Headless Chromium (Debian's) in a loopback-only network namespace, with the API server in it.

Chromium offers loopback ICE candidates only in a network namespace whose one interface is
``lo`` (and with ``--allow-loopback-in-peer-connection``). The server joins that namespace by
being started from a thread that entered it: threads and processes inherit the namespace of the
thread that creates them. Needs root (``ip netns``).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, sync_playwright

from tests.servers.api_server import ApiServer

T = TypeVar("T")
CHROMIUM = Path("/usr/bin/chromium")
CLONE_NEWNET = 0x40000000
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
]


def require_chromium() -> None:
    """Fail (never skip) when the test machine lacks what scripts/setup.sh --test installs."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh --test (apt chromium)")
    if shutil.which("ip") is None or os.geteuid() != 0:
        pytest.fail("these tests need root and iproute2 to make a network namespace")


@contextmanager
def loopback_namespace() -> Iterator[str]:
    """A fresh network namespace with only ``lo``, up; its name. Deleted on exit."""
    name = f"trackcast-test-{uuid.uuid4().hex[:10]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def in_namespace(name: str, call: Callable[[], T]) -> T:
    """Run ``call`` on a thread inside the namespace; what it starts stays in there."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/var/run/netns/{name}", os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns failed")
        finally:
            os.close(fd)
        try:
            outcome.append(call())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=run, name="netns-entry")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def chromium_in(namespace: str | None, directory: Path) -> Path:
    """An executable that runs Chromium (in ``namespace`` if given), for Playwright to launch."""
    wrapper = directory / "chromium"
    prefix = f"nsenter --net=/var/run/netns/{namespace} " if namespace else ""
    wrapper.write_text(f'#!/bin/sh\nexec {prefix}{CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


MEDIA_FLAGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
"""A fake camera and microphone, granted without a prompt (loopback candidates need a grant)."""


@contextmanager
def chromium_serving(
    app: FastAPI, namespace: str, work: Path
) -> Iterator[tuple[ApiServer, Browser]]:
    """``app`` served from inside ``namespace``, and Chromium launched there; both stop on exit."""
    server = in_namespace(namespace, lambda: ApiServer(app).__enter__())
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium_in(namespace, work)),
                args=CHROMIUM_FLAGS + MEDIA_FLAGS,
            )
            try:
                yield server, browser
            finally:
                browser.close()
    finally:
        server.__exit__(None, None, None)
