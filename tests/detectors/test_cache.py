from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest

from detectors.cache import CacheKey, ModelCache, default_cache_dir, read_manifest

KEY = CacheKey("weights", "ab" * 32, "openvino", "int8")


def _make_slowly(folder: Path, log: Path) -> dict[str, Any]:
    with log.open("a") as handle:
        handle.write("built\n")
    time.sleep(0.5)
    (folder / "model.xml").write_text("<net/>")
    return {"names": {"0": "person"}}


def _build_in_child(root: str, log: str) -> None:
    ModelCache(Path(root)).build(KEY, lambda folder: _make_slowly(folder, Path(log)))


def test_an_entry_is_built_once_and_then_found(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    log = tmp_path / "log"
    assert cache.lookup(KEY) is None
    first = cache.build(KEY, lambda folder: _make_slowly(folder, log))
    second = cache.build(KEY, lambda folder: _make_slowly(folder, log))
    assert first == second == cache.lookup(KEY)
    assert log.read_text() == "built\n"
    assert (first / "model.xml").read_text() == "<net/>"
    assert read_manifest(first) == {"names": {"0": "person"}, "format": 1}
    assert first.relative_to(tmp_path).as_posix() == "weights-abababababababab/openvino-int8"


def test_two_processes_asking_at_once_build_it_once(tmp_path: Path) -> None:
    log = tmp_path / "log"
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_build_in_child, args=(str(tmp_path / "cache"), str(log)))
        for _ in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
        assert child.exitcode == 0
    assert log.read_text() == "built\n"


def test_a_failed_build_leaves_no_entry(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)

    def fail(folder: Path) -> dict[str, Any]:
        (folder / "model.xml").write_text("half")
        raise RuntimeError("export failed")

    with pytest.raises(RuntimeError):
        cache.build(KEY, fail)
    assert cache.lookup(KEY) is None
    assert not [p for p in cache.path(KEY).parent.iterdir() if not p.name.endswith(".lock")]


def test_rebuild_replaces_an_entry(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    cache.build(KEY, lambda folder: {"run": 1})
    cache.build(KEY, lambda folder: {"run": 2}, rebuild=True)
    found = cache.lookup(KEY)
    assert found is not None and (read_manifest(found) or {})["run"] == 2


def test_the_cache_folder_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRACKCAST_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("TRACKCAST_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "trackcast"


def test_a_build_killed_midway_is_cleared_by_the_next_one(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    cache.path(KEY).parent.mkdir(parents=True)
    killed = cache.path(KEY).parent / f".{cache.path(KEY).name}-abc123"
    killed.mkdir()
    (killed / "model.xml").write_text("half")
    cache.build(KEY, lambda folder: {"run": 1})
    assert not killed.exists()
    assert cache.lookup(KEY) is not None
