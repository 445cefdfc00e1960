"""``trackcast serve`` with the test blob detector instead of a model, for subprocess tests that
need events from generated media quickly: ``python -m tests.servers.blob_serve serve ...``; with
``--cluster`` the controller it starts hands the blob detector to every node."""

from __future__ import annotations

import sys

import cli.serve
from cli.main import main
from config import AppConfig
from service import Service, build_service
from tests.blob_detector import bright_blobs


def _build_service(config: AppConfig) -> Service:
    if config.cluster.address is not None:
        from service.cluster import build_cluster_service

        return build_cluster_service(config, detector_factory=bright_blobs)
    return build_service(config, detector_factory=bright_blobs)


if __name__ == "__main__":
    vars(cli.serve)["build_service"] = _build_service  # what ``serve`` calls
    sys.exit(main(sys.argv[1:]))
