"""Decode a video once, frame by frame, next to its tracks file, and write the frames the
selection keeps as a YOLO dataset, COCO JSON, review list and optional per-track crops.

With :attr:`ExportOptions.privacy` the written images (and crops) are masked as a camera's
published frames are (``outputs.privacy``): static zones filled black and the tracked boxes of
the chosen classes hidden; the labels still describe the boxes. Off by default: whether masked
images are fit for training is the user's choice.

Nothing but the current frame is held: the video streams through :class:`stream.VideoSource`
(the decoder ``trackcast track`` used, so frame indices match), the tracks file is read a line at
a time, and each kept image is written before the next frame is decoded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import supervision as sv

from annotation import yolo
from annotation.coco import CocoBuilder
from annotation.selection import FrameSelector, ReviewReason, SampleReason, SelectionOptions
from annotation.selection import signature as frame_signature
from annotation.tracks import TrackRecord, clip_box, read_records
from detectors.base import CLASS_NAME
from outputs.errors import write_error
from outputs.privacy import PrivacySettings, apply_privacy
from stream.frames import VideoFrame
from stream.source import VideoSource

MIN_CROP_PX = 8
"""Crops smaller than this on either side are not written: nothing to learn from."""


@dataclass(frozen=True, slots=True)
class ExportOptions:
    out: Path
    selection: SelectionOptions = field(default_factory=SelectionOptions)
    jpeg_quality: int = 90
    val_every: int = 5
    """Every ``val_every``-th kept frame (the first included) goes to ``val``, the rest to
    ``train``; 1 puts every frame in ``val``."""
    crops: bool = False
    include_predicted: bool = False
    """Also keep frames a stride skipped (their boxes are the tracker's predictions)."""
    privacy: PrivacySettings | None = None
    """Mask the written images (zones, the boxes of chosen classes); None: the originals."""

    def __post_init__(self) -> None:
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f"the JPEG quality must be 1 to 100, got {self.jpeg_quality}")
        if self.val_every < 1:
            raise ValueError(f"val_every must be at least 1, got {self.val_every}")


@dataclass(slots=True)
class ExportReport:
    frames: int = 0
    """Frames that had a tracks record."""
    kept: dict[str, int] = field(default_factory=lambda: {yolo.TRAIN: 0, yolo.VAL: 0})
    reasons: dict[str, int] = field(default_factory=dict)
    review: int = 0
    labels: int = 0
    """Label lines written to train and val (review not counted)."""
    outside: int = 0
    """Boxes of kept frames left out: entirely outside the frame."""
    duplicates: int = 0
    crops: int = 0


def export_dataset(video: Path, tracks: Path, options: ExportOptions) -> ExportReport:
    """Write the dataset into ``options.out`` (created; it must be empty if it exists)."""
    out = options.out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out} exists and is not an empty folder: choose a new one")
    with _writing(out):
        out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(options)
    selector = FrameSelector(options.selection)
    with VideoSource(str(video)) as source:
        fps = source.info.fps
        for frame, record in _paired(source.frames(), read_records(tracks), tracks):
            writer.report.frames += 1
            if not (record.analysed or options.include_predicted):
                continue
            time = record.pts if record.pts is not None else frame.pts
            time = time if time is not None else record.frame / fps
            small = frame_signature(frame.image)
            reason = selector.sample(time, small)
            review = selector.review(record, small) if options.selection.reviews else ()
            if reason is None and not review:
                continue
            image = _visible(frame.image, record, options.privacy)
            with _writing(out):
                if reason is not None:
                    writer.keep(image, record, reason)
                if review:
                    writer.review(image, record, review)
    writer.report.duplicates = selector.duplicates
    with _writing(out):
        writer.finish()
    return writer.report


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """A failed write (disk full, no permission) as an :class:`OutputError` naming the file."""
    try:
        yield
    except OSError as error:
        raise write_error(Path(error.filename) if error.filename else out, error) from None


def _visible(
    image: npt.NDArray[np.uint8], record: TrackRecord, privacy: PrivacySettings | None
) -> npt.NDArray[np.uint8]:
    """The frame as it may be written: masked by ``privacy`` with the record's boxes."""
    if privacy is None or not privacy.active:
        return image
    boxes = np.array([t.box for t in record.tracks], dtype=np.float64).reshape(-1, 4)
    tracks = sv.Detections(
        xyxy=boxes,
        class_id=np.array([t.class_id for t in record.tracks], dtype=int),
        data={CLASS_NAME: np.array([t.class_name for t in record.tracks], dtype=str)},
    )
    return apply_privacy(image, tracks, privacy)


def _paired(
    frames: Iterator[VideoFrame], records: Iterator[TrackRecord], tracks: Path
) -> Iterator[tuple[VideoFrame, TrackRecord]]:
    """Each decoded frame with its record; frames without one are skipped, and decoding stops
    after the last record."""
    record = next(records, None)
    for frame in frames:
        while record is not None and record.frame < frame.index:
            record = next(records, None)
        if record is None:
            return
        if record.frame != frame.index:
            continue
        if (record.width, record.height) != (frame.width, frame.height):
            raise ValueError(
                f"{tracks}: frame {record.frame} is {record.width}x{record.height} in the tracks "
                f"but {frame.width}x{frame.height} in the video: were the tracks written for it?"
            )
        yield frame, record


class _Writer:
    def __init__(self, options: ExportOptions) -> None:
        self.options = options
        self.root = options.out
        self.report = ExportReport()
        self.coco = CocoBuilder()
        self.names: dict[int, str] = {}
        self._review_lines: list[str] = []
        self._review_records: list[str] = []

    def keep(self, image: npt.NDArray[np.uint8], record: TrackRecord, reason: SampleReason) -> None:
        count = self.report.kept[yolo.TRAIN] + self.report.kept[yolo.VAL]
        split = yolo.VAL if count % self.options.val_every == 0 else yolo.TRAIN
        self.report.kept[split] += 1
        self.report.reasons[reason] = self.report.reasons.get(reason, 0) + 1
        lines = self._write(image, record, split)
        self.report.labels += len(lines)
        self.report.outside += len(record.tracks) - len(lines)
        self.coco.add(f"images/{split}/{_stem(record)}.jpg", split, record)
        if self.options.crops:
            self._crops(image, record)

    def review(
        self, image: npt.NDArray[np.uint8], record: TrackRecord, why: tuple[ReviewReason, ...]
    ) -> None:
        self.report.review += 1
        self._write(image, record, yolo.REVIEW)
        stem = _stem(record)
        self._review_lines.append(f"./images/{yolo.REVIEW}/{stem}.jpg\n")
        entry = {"image": f"images/{yolo.REVIEW}/{stem}.jpg", "frame": record.frame}
        entry |= {"pts": record.pts, "reasons": [str(r) for r in why]}
        self._review_records.append(json.dumps(entry, separators=(",", ":")) + "\n")

    def _write(self, image: npt.NDArray[np.uint8], record: TrackRecord, split: str) -> list[str]:
        for track in record.tracks:
            self.names.setdefault(track.class_id, track.class_name)
        stem = _stem(record)
        self._jpeg(yolo.image_path(self.root, split, stem), image)
        lines = yolo.label_lines(record.tracks, record.width, record.height)
        yolo.write_labels(self.root, split, stem, lines)
        return lines

    def _crops(self, image: npt.NDArray[np.uint8], record: TrackRecord) -> None:
        for track in record.tracks:
            box = clip_box(track.box, record.width, record.height)
            if box is None:
                continue
            x1, y1, x2, y2 = (round(v) for v in box)
            if x2 - x1 < MIN_CROP_PX or y2 - y1 < MIN_CROP_PX:
                continue
            name = f"{track.track_id:06d}_{record.frame:06d}.jpg"
            self._jpeg(self.root / "crops" / track.class_name / name, image[y1:y2, x1:x2])
            self.report.crops += 1

    def _jpeg(self, path: Path, image: npt.NDArray[np.uint8]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        params = [cv2.IMWRITE_JPEG_QUALITY, self.options.jpeg_quality]
        ok, encoded = cv2.imencode(".jpg", image, params)
        if not ok:
            raise ValueError(f"cannot encode {path} as JPEG")
        path.write_bytes(encoded.tobytes())

    def finish(self) -> None:
        for split in (yolo.TRAIN, yolo.VAL):  # ultralytics wants both folders to exist
            (self.root / "images" / split).mkdir(parents=True, exist_ok=True)
        yolo.write_data_yaml(self.root, self.names)
        self.coco.write(self.root / "coco.json")
        if self._review_lines:
            (self.root / "review.txt").write_text("".join(self._review_lines), encoding="utf-8")
            (self.root / "review.jsonl").write_text("".join(self._review_records), encoding="utf-8")


def _stem(record: TrackRecord) -> str:
    return f"frame_{record.frame:06d}"
