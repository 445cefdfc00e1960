"""Event thumbnails: a JPEG crop around the event's box, kept on disk next to the database."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import cv2

from events import Event, Evidence
from storage.health import StorageHealth, StoragePart
from storage.private import private_dir, write_private

log = logging.getLogger(__name__)

MAX_SIDE = 320
MARGIN = 0.15
JPEG_QUALITY = 80


class ThumbnailStore:
    """Files under ``root``/<camera>/<UTC date>/<event id>.jpg; paths are kept relative.
    Write failures (a full disk) and recoveries go to ``health``: one log line per outage."""

    def __init__(self, root: Path, health: StorageHealth | None = None) -> None:
        self.root = root
        self.health = health or StorageHealth()
        self.written = 0
        self.failed = 0

    def save(self, event: Event, evidence: Evidence) -> str | None:
        """Write the thumbnail; None (counted in ``failed``) if it cannot be made or written:
        a full disk or unusable evidence costs the thumbnail, never the event."""
        try:
            jpeg = encode(evidence)
        except (ValueError, OverflowError, cv2.error) as error:
            self.failed += 1
            log.error("thumbnail for event %s on %s not made: %s", event.id,
                      event.camera_id, error)  # fmt: skip
            return None
        return self.save_jpeg(event, jpeg)

    def save_jpeg(self, event: Event, jpeg: bytes) -> str | None:
        """Write a thumbnail made by :func:`encode`; None (counted in ``failed``, reported to
        ``health``) if it cannot be written."""
        try:
            day = time.strftime("%Y-%m-%d", time.gmtime(event.time))
            relative = f"{event.camera_id}/{day}/{event.id}.jpg"
            path = self.path(relative)
        except (ValueError, OverflowError) as error:
            self.failed += 1
            log.error("thumbnail for event %s on %s not written: %s", event.id,
                      event.camera_id, error)  # fmt: skip
            return None
        try:
            _write_atomically(path, jpeg)
        except OSError as error:
            self.failed += 1
            self.health.failed(StoragePart.THUMBNAIL, f"{type(error).__name__}: {error}")
            log.debug("thumbnail for event %s on %s not written: %s", event.id,
                      event.camera_id, error)  # fmt: skip
            return None
        self.written += 1
        self.health.recovered(StoragePart.THUMBNAIL)
        return relative

    def path(self, relative: str) -> Path:
        """The file for a stored relative path; ValueError if it is not inside ``root``."""
        root = self.root.resolve()
        path = (root / relative).resolve()
        if path == root or not path.is_relative_to(root):
            raise ValueError(f"thumbnail path {relative!r} leaves the thumbnail directory")
        return path

    def delete(self, relative: str) -> None:
        try:
            self.path(relative).unlink(missing_ok=True)
        except (OSError, ValueError) as error:
            log.warning("thumbnail %s not deleted: %s", relative, error)


def encode(evidence: Evidence) -> bytes:
    """The thumbnail's JPEG (what :meth:`ThumbnailStore.save` writes); ValueError or cv2.error
    for unusable evidence."""
    return _encode(_crop(evidence))


def _encode(image: cv2.typing.MatLike) -> bytes:
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return jpeg.tobytes()


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the whole file or none: write a temporary file next to it, then rename.
    Directories are 0700 and files 0600 (see :mod:`storage.private`)."""
    if not path.parent.is_dir():
        private_dir(path.parent)
    partial = path.with_name(f".{path.name}.part")
    try:
        write_private(partial, data)
        partial.replace(path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise


def _crop(evidence: Evidence) -> cv2.typing.MatLike:
    """The box plus ``MARGIN`` a side, clamped to the frame (the whole frame when there is no
    usable box), shrunk to at most ``MAX_SIDE`` pixels a side."""
    image: cv2.typing.MatLike = evidence.image
    height, width = image.shape[:2]
    if height == 0 or width == 0:
        raise ValueError(f"empty frame {image.shape}")
    box = evidence.box
    if box is not None and all(math.isfinite(v) for v in box):
        x1, y1, x2, y2 = box
        pad_x, pad_y = (x2 - x1) * MARGIN, (y2 - y1) * MARGIN
        left, top = max(0, int(x1 - pad_x)), max(0, int(y1 - pad_y))
        right, bottom = min(width, int(x2 + pad_x + 1)), min(height, int(y2 + pad_y + 1))
        if right > left and bottom > top:
            image = image[top:bottom, left:right]
    scale = MAX_SIDE / max(image.shape[:2])
    if scale < 1:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image
