"""``trackcast serve`` with the test blob detector instead of a model, for subprocess tests that
need events from generated media quickly: ``python -m tests.servers.blob_serve serve ...``."""

from __future__ import annotations

import sys

import cli.serve
from cli.main import main
from config import AppConfig
from service import Service, build_service
from tests.blob_detector import BrightBlobDetector


def _build_service(config: AppConfig) -> Service:
    return build_service(config, detector_factory=lambda _: BrightBlobDetector())


if __name__ == "__main__":
    vars(cli.serve)["build_service"] = _build_service  # what ``serve`` calls
    sys.exit(main(sys.argv[1:]))
