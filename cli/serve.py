"""``trackcast serve``: the camera runtime behind the HTTP API."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import uvicorn

from api.app import create_app
from config import AppConfig, load_config
from runtime.threads import ThreadBudget
from service import build_service


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the cameras behind the HTTP API",
        description="Start the HTTP API (OpenAPI docs at /docs) with the cameras of an optional "
        "config file; more cameras can be added through POST /api/cameras.",
    )
    parser.add_argument("--config", type=Path, help="YAML config file (optional)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (8080)")
    parser.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    logging.getLogger().setLevel(logging.INFO)  # a service reports what it does
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry full webhook URLs
    config = load_config(args.config) if args.config else AppConfig()
    ThreadBudget.for_live().apply()
    app = create_app(build_service(config))
    # Live feeds never end on their own: give them a bounded time to close at shutdown.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", timeout_graceful_shutdown=3)
    return 0
