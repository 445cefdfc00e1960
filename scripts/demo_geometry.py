"""Draw the demo's counting lines and zones (scripts/demo.yaml) on the first frame of its footage:
the README's picture of what the demo counts.

    .venv/bin/python scripts/demo_geometry.py            # writes docs/demo-geometry.jpg
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from analytics.geometry import to_pixels
from config import CameraConfig, load_config

ROOT = Path(__file__).resolve().parents[1]
LINE_COLOUR = (0, 200, 255)  # BGR: amber
ZONE_COLOUR = (255, 160, 0)  # BGR: blue


def first_frame(path: Path) -> npt.NDArray[np.uint8]:
    capture = cv2.VideoCapture(str(path))
    try:
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok:
        raise SystemExit(f"cannot read a frame of {path}")
    return np.asarray(frame, dtype=np.uint8)


def label(
    image: npt.NDArray[np.uint8], text: str, at: tuple[int, int], colour: tuple[int, ...]
) -> None:
    cv2.putText(image, text, at, cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 4, cv2.LINE_AA)
    cv2.putText(image, text, at, cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour, 1, cv2.LINE_AA)


def _point(xy: npt.NDArray[np.float64]) -> tuple[int, int]:
    return round(float(xy[0])), round(float(xy[1]))


def draw(camera: CameraConfig, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    height, width = image.shape[:2]
    shaded = image.copy()
    for zone in camera.zones:
        polygon = np.array(to_pixels(zone.polygon, zone.coordinates, width, height), np.int32)
        cv2.fillPoly(shaded, [polygon], ZONE_COLOUR)
    image = cv2.addWeighted(shaded, 0.25, image, 0.75, 0)
    for zone in camera.zones:
        polygon = np.array(to_pixels(zone.polygon, zone.coordinates, width, height), np.int32)
        cv2.polylines(image, [polygon], True, ZONE_COLOUR, 2, cv2.LINE_AA)
        x, y = polygon.min(axis=0)
        label(image, f"zone {zone.name}", (int(x) + 6, int(y) + 20), ZONE_COLOUR)
    for line in camera.lines:
        (ax, ay), (bx, by) = to_pixels(line.points, line.coordinates, width, height)
        a, b = (round(ax), round(ay)), (round(bx), round(by))
        cv2.arrowedLine(image, a, b, LINE_COLOUR, 2, cv2.LINE_AA, tipLength=0.03)
        # A crossing from the left of A->B to its right is in_name. On screen (y down) the right
        # of the direction (dx, dy) is the normal (-dy, dx): the in arrow points along it.
        length = max(float(np.hypot(bx - ax, by - ay)), 1.0)
        normal = np.array([-(by - ay), bx - ax]) / length
        label(image, f"line {line.name}", (a[0] + 6, a[1] + 18), LINE_COLOUR)
        for along, sign, name in ((0.45, 1.0, line.in_name), (0.6, -1.0, line.out_name)):
            middle = np.array([ax + along * (bx - ax), ay + along * (by - ay)])
            tail, head = middle - sign * 30 * normal, middle + sign * 30 * normal
            cv2.arrowedLine(
                image, _point(tail), _point(head), LINE_COLOUR, 2, cv2.LINE_AA, tipLength=0.3
            )
            (text_width, _), _ = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)
            x, y = _point(head + sign * 8 * normal)
            left_going = sign * normal[0] < 0
            label(image, name, (x - text_width if left_going else x, y + 5), LINE_COLOUR)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "scripts" / "demo.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "demo-geometry.jpg")
    args = parser.parse_args()
    config = load_config(args.config)
    camera = config.cameras[0]
    image = draw(camera, first_frame(ROOT / camera.url))
    cv2.imwrite(str(args.out), image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
