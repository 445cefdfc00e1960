"""``trackcast export``: build a model's fast CPU form ahead of time, into the model cache.

``track``, ``run`` and ``serve`` export on first use anyway; doing it beforehand means the first
camera view already has boxes (the demo does this), and an INT8 model can be calibrated on chosen
footage.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.track import add_backend_arguments, detector_options, say
from detectors import BUNDLED_MODELS, DEFAULT_MODEL

EXAMPLES = """examples:
  trackcast export --model person-yolov8s --calibrate data/vtest.avi
  trackcast export --model yolo11n.pt --backend onnxruntime --precision fp32 --sample clip.mp4
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "export",
        help="export and calibrate a model for the CPU ahead of first use",
        description="Export a model to OpenVINO or ONNX Runtime (INT8: calibrated with NNCF on "
        "frames of --calibrate) into the model cache, and compile it for the frame size of "
        "--sample (default: the calibration video).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    models = ", ".join(BUNDLED_MODELS)
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, help=f"weights path, ultralytics name or {models}"
    )
    parser.add_argument("--imgsz", type=int, help="inference size in pixels (default: per model)")
    parser.add_argument("--sample", metavar="PATH", help="a video of the size to compile for")
    add_backend_arguments(parser)
    parser.set_defaults(handler=export, conf=0.1, iou=0.7, classes=None)


def export(args: argparse.Namespace) -> int:
    from detectors import load_detector
    from runtime.calibration import calibration_frames
    from stream import VideoSource

    detector = load_detector(detector_options(args), progress=say)
    try:
        sample = args.sample or args.calibrate
        wanted = detector.calibration_frames_wanted
        if wanted and not args.calibrate:
            raise ValueError(
                f"{detector.describe()} needs --calibrate PATH (a video of yours), "
                "or choose --precision fp32"
            )
        calibration = calibration_frames(args.calibrate, wanted) if wanted else []
        if sample:
            with VideoSource(sample) as video:
                size = (video.info.height, video.info.width)
            detector.prepare(size, calibration)
            print(f"ready: {detector.describe()} for {size[1]}x{size[0]} frames")
        else:
            print(f"ready: {detector.describe()}")
    finally:
        detector.close()
    return 0
