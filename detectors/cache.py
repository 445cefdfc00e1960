"""Exported models on disk, keyed by what they were made from, built once even across processes.

An entry is a folder named after the source weights (file name and SHA-256 prefix), the backend
and the precision. It is built in a temporary folder beside it and renamed into place when
complete, under an exclusive file lock, so a second process waiting for the same entry finds it
finished and a crash leaves no half-written entry behind. Each entry holds a ``manifest.json``
describing it (class names, what it was calibrated on, the tool versions).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
"""Bumped when the layout of an entry changes; older entries are then rebuilt."""


def default_cache_dir() -> Path:
    """``$TRACKCAST_CACHE_DIR``, else ``$XDG_CACHE_HOME/trackcast``, else ``~/.cache/trackcast``."""
    explicit = os.environ.get("TRACKCAST_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "trackcast"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's contents, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class CacheKey:
    """What an exported model was made from and for."""

    name: str
    """The source weights' file name without suffix, for people reading the folder."""
    digest: str
    """SHA-256 of the source weights."""
    backend: str
    precision: str

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.digest[:16]}/{self.backend}-{self.precision}"


class ModelCache:
    """Folders of exported models under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: CacheKey) -> Path:
        return self.root / key.folder

    def lookup(self, key: CacheKey) -> Path | None:
        """The entry's folder if it is complete and of the current format."""
        folder = self.path(key)
        manifest = read_manifest(folder)
        if manifest is None or manifest.get("format") != FORMAT_VERSION:
            return None
        return folder

    def build(
        self, key: CacheKey, make: Callable[[Path], dict[str, Any]], *, rebuild: bool = False
    ) -> Path:
        """The entry for ``key``, made by ``make(folder)`` unless it exists (or ``rebuild``).

        ``make`` writes the model files into the folder it is given and returns the manifest.
        """
        if not rebuild and (found := self.lookup(key)) is not None:
            return found
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with _locked(target.parent / f".{target.name}.lock"):
            if not rebuild and (found := self.lookup(key)) is not None:
                return found  # another process built it while this one waited
            for leftover in target.parent.glob(f".{target.name}-*"):
                shutil.rmtree(leftover, ignore_errors=True)  # a build that was killed midway
            scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
            try:
                manifest = make(scratch)
                manifest["format"] = FORMAT_VERSION
                (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
                if target.exists():
                    shutil.rmtree(target)
                scratch.rename(target)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        return target


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
