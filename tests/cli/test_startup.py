"""``--help`` and ``--version`` build the parser only: no model, video or web stack is imported.
(How long they take is measured by bench/cli_startup.py, not asserted here.)"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

from tests.conftest import ROOT, run_cli
from tests.waiting import scaled

HEAVY = ("torch", "ultralytics", "supervision", "cv2", "av", "numpy", "fastapi", "uvicorn")

PROBE = """
import json, sys
from cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "loaded": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        *([command, "--help"] for command in ("track", "run", "serve", "analyze", "eval")),
        ["export", "--help"],
        ["dataset", "--help"],
        ["config", "check", "--help"],
        *(["cluster", node, "--help"] for node in ("head", "worker", "join")),
    ],
)
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=scaled(120),
        check=True,
    )
    report = json.loads(probe.stderr.splitlines()[-1])
    assert report["code"] == 0
    loaded = set(report["loaded"])
    assert [name for name in HEAVY if name in loaded] == []
    assert probe.stdout.strip()  # the help or the version was printed


def test_version_is_the_installed_package_version() -> None:
    result = run_cli(["--version"], timeout=60)
    assert result.returncode == 0
    assert result.stdout == f"trackcast {version('trackcast')}\n"
