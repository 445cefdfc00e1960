"""``trackcast serve``: the camera runtime behind the HTTP API."""

from __future__ import annotations

import argparse
import contextlib
import logging
from pathlib import Path
from typing import Any

import uvicorn

from api.app import create_app
from config import AppConfig, load_config
from runtime.threads import ThreadBudget
from service import build_service
from service.log_redaction import UVICORN_LOGGERS, install_log_redaction

EXIT_STARTUP_FAILURE = 3
"""uvicorn's own code for a server that never started (the app's startup failed)."""


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
    parser.add_argument(
        "--open",
        action="store_true",
        help="no tokens needed (auth.open), for local use: only requests for localhost, "
        "127.0.0.1, [::1] or auth.hosts, from pages of the API's own origin, are answered",
    )
    parser.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    logging.getLogger().setLevel(logging.INFO)  # a service reports what it does
    logging.getLogger("httpx2").setLevel(logging.WARNING)  # its INFO lines carry webhook URLs
    config = load_config(args.config) if args.config else AppConfig()
    if args.open:
        config = config.model_copy(update={"auth": config.auth.model_copy(update={"open": True})})
    ThreadBudget.for_live().apply()
    service = build_service(config)
    app = create_app(service)
    # Live feeds never end on their own: give them a bounded time to close at shutdown.
    server_config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="info", timeout_graceful_shutdown=3
    )
    # uvicorn's loggers have their own handlers (set up just now by Config): filter those too,
    # so that no token or password reaches a log line, the access log's paths included.
    install_log_redaction(service.secrets, loggers=("", *UVICORN_LOGGERS))
    server = uvicorn.Server(server_config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else EXIT_STARTUP_FAILURE
