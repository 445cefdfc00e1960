"""The README's commands: the demo script runs end to end (on a few frames here)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import av

from tests.conftest import ROOT


def test_demo_script_tracks_vtest_into_the_output_folder(vtest: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh"), "--max-frames", "12", "--no-progress"],
        env={**os.environ, "TRACKCAST_OUT": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "12 frames decoded, 0 skipped" in completed.stdout
    assert f"file://{tmp_path}/vtest.mp4" in completed.stdout
    with av.open(str(tmp_path / "vtest.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 12
    assert len((tmp_path / "vtest.jsonl").read_text().splitlines()) == 12
    assert (tmp_path / "vtest.mot.txt").stat().st_size > 0
