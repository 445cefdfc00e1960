"""Hold a test to its tier: what its tier rules out fails the test with a clear message.

A ``unit`` test may not open a network socket or start a subprocess; a test outside the
``model`` tier may not load a real model in this process. A test that trips the guard is
classified wrongly: mark it (``@pytest.mark.integration`` or ``model``) or teach the rule in
tests/tiers.py the name it uses.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

import detectors.loader
from detectors.base import Detector
from tests.tiers import Tier

NETWORK_FAMILIES = (socket.AF_INET, socket.AF_INET6)
LIBRARY_LOOKUPS = frozenset({"ldconfig", "gcc", "cc", "ld", "objdump"})
"""What ``ctypes.util.find_library`` runs when a library is first imported: not the test's own
work, and refusing it would leave the importing module half-initialised for the whole session."""
MODEL_LOADERS = ("_torch", "ExportedDetector", "DarknetDetector")
"""Where ``detectors.loader`` builds a detector from model files."""


def _refuse(tier: Tier, what: str) -> NoReturn:
    pytest.fail(
        f"a {tier.value} test {what}: mark it with its tier "
        "(@pytest.mark.integration / browser / model) or teach tests/tiers.py the name it uses",
        pytrace=True,
    )


def guard(tier: Tier, patch: pytest.MonkeyPatch) -> None:
    """Patch, for the current test, what ``tier`` rules out."""
    if tier is Tier.UNIT:
        _guard_network_and_processes(patch)
    if tier is not Tier.MODEL:
        _guard_models(tier, patch)


def _guard_network_and_processes(patch: pytest.MonkeyPatch) -> None:
    connect, connect_ex, bind = socket.socket.connect, socket.socket.connect_ex, socket.socket.bind

    def checked(original: Any, what: str) -> Any:
        def call(self: socket.socket, address: Any) -> Any:
            if self.family in NETWORK_FAMILIES:
                _refuse(Tier.UNIT, f"{what} a network socket ({address!r})")
            return original(self, address)

        return call

    popen = subprocess.Popen.__init__

    def no_process(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        if _program(args) not in LIBRARY_LOOKUPS:
            _refuse(Tier.UNIT, f"started a subprocess ({args!r})")
        popen(self, args, *rest, **kwargs)

    patch.setattr(socket.socket, "connect", checked(connect, "connected"))
    patch.setattr(socket.socket, "connect_ex", checked(connect_ex, "connected"))
    patch.setattr(socket.socket, "bind", checked(bind, "bound"))
    patch.setattr(subprocess.Popen, "__init__", no_process)


def _program(args: Any) -> str:
    first = args.split()[0] if isinstance(args, str | bytes) else next(iter(args), "")
    return Path(os.fsdecode(first)).name


def _guard_models(tier: Tier, patch: pytest.MonkeyPatch) -> None:
    """Loads that fail (a missing or corrupt file, an impossible backend) are allowed: only a
    model that loaded fails the test."""

    def refusing(load: Callable[..., Detector]) -> Callable[..., Detector]:
        def call(*args: Any, **kwargs: Any) -> Detector:
            detector = load(*args, **kwargs)
            detector.close()
            _refuse(tier, "loaded a real model")

        return call

    for name in MODEL_LOADERS:
        patch.setattr(detectors.loader, name, refusing(getattr(detectors.loader, name)))
