"""The test tiers and the timeout scale hold for this very suite (tests/tiers.py, tier_guard.py,
waiting.py)."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.tiers import Tier, tier_of
from tests.waiting import SCALE, SCALE_VARIABLE, scaled, timeout_scale


@pytest.mark.unit  # names socket and subprocess, which would make it integration by the rule
def test_a_unit_test_may_open_no_network_socket_and_start_no_process(
    request: pytest.FixtureRequest,
) -> None:
    assert tier_of(request.node) is Tier.UNIT
    with (
        socket.socket() as sock,
        pytest.raises(pytest.fail.Exception, match="a unit test connected a network socket"),
    ):
        sock.connect(("127.0.0.1", 9))
    with pytest.raises(pytest.fail.Exception, match=r"started a subprocess \(\['true'\]"):
        subprocess.run(["true"], check=False)
    left, right = socket.socketpair()  # local pipes, as every asyncio loop makes, stay allowed
    left.close()
    right.close()


def test_the_rule_reads_what_a_test_uses(request: pytest.FixtureRequest) -> None:
    """This test uses nothing: unit, marked so for ``-m``, and limited to 600 s times the scale."""
    assert tier_of(request.node) is Tier.UNIT
    assert request.node.get_closest_marker("unit") is not None
    limit = request.node.get_closest_marker("timeout")
    assert limit is not None and limit.args[0] == pytest.approx(600 * SCALE)


def test_the_scale_is_the_setting_or_the_load_and_never_below_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SCALE_VARIABLE, "3")
    assert timeout_scale() == 3.0
    monkeypatch.setenv(SCALE_VARIABLE, "0.5")
    assert timeout_scale() == 1.0
    monkeypatch.setenv(SCALE_VARIABLE, "lots")
    with pytest.raises(pytest.UsageError, match="give a number"):
        timeout_scale()
    monkeypatch.delenv(SCALE_VARIABLE)
    assert timeout_scale() >= 1.0
    assert scaled(2.0) == 2.0 * SCALE >= 2.0
