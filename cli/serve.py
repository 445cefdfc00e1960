"""``trackcast serve``: the camera runtime behind the HTTP API."""

from __future__ import annotations

import argparse
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detectors import BUNDLED_MODELS

if TYPE_CHECKING:
    from config import AppConfig
    from service import Service

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
    parser.add_argument(
        "--model",
        metavar="NAME",
        help="the default detector model, for cameras (in the config or posted to the API) "
        "without a detector of their own; replaces the config's detector.model. An offline "
        f"alias ({', '.join(BUNDLED_MODELS)}), an ultralytics name (downloads when online) or "
        "a file under sources.model_roots (default: the config's, else yolo11n.pt)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (8080)")
    parser.add_argument(
        "--open",
        action="store_true",
        help="no tokens needed (auth.open), for local use: only requests for localhost, "
        "127.0.0.1, [::1] or auth.hosts, from pages of the API's own origin, are answered",
    )
    parser.add_argument(
        "--cluster",
        nargs="?",
        const="auto",  # config.cluster.AUTO (config is not imported to parse)
        metavar="ADDRESS",
        help="cluster mode: run the cameras on the Ray cluster at ADDRESS (host:port of its "
        "head; without ADDRESS: the RAY_ADDRESS variable); replaces the config's "
        "cluster.address. Needs PostgreSQL storage and pip install 'trackcast[cluster]'",
    )
    parser.set_defaults(handler=serve)


def build_service(config: AppConfig) -> Service:
    """The service ``serve`` runs (tests replace this to run without a model): in cluster mode
    a proxy to the cluster's cameras, else the cameras themselves."""
    if config.cluster.address is not None:
        from service.cluster import build_cluster_service

        return build_cluster_service(config)
    from service import build_service as build

    return build(config)


def check_cluster_mode(config: AppConfig) -> None:
    """In cluster mode, ConfigError (one line) unless the address is known, storage is
    PostgreSQL and Ray is installed; before anything starts."""
    from cluster import require_ray
    from config import ConfigError
    from config.cluster import RAY_ADDRESS_ENV

    if config.cluster.address is None:
        return
    if config.cluster.resolved_address() is None:
        raise ConfigError(
            f"cluster mode: no cluster address (--cluster ADDRESS, cluster.address or "
            f"{RAY_ADDRESS_ENV})"
        )
    if not (config.storage.url or "").startswith("postgresql"):
        raise ConfigError(
            "cluster mode needs PostgreSQL storage shared by every node: set storage.url to "
            "postgresql+psycopg://user:password@host/db"
        )
    require_ray()


def serve_config(args: argparse.Namespace) -> AppConfig:
    """The config file (or the defaults) with the command line's overrides applied."""
    from pydantic import ValidationError

    from config import AppConfig, DetectorConfig, load_config
    from config.errors import describe

    config = load_config(args.config) if args.config else AppConfig()
    if args.open:
        config = config.model_copy(update={"auth": config.auth.model_copy(update={"open": True})})
    if args.model is not None:
        settings = {**config.detector.model_dump(), "model": args.model}
        try:  # validated like the config file's detector.model
            detector = DetectorConfig.model_validate(settings)
        except ValidationError as error:
            raise describe(error, "--model") from None
        config = config.model_copy(update={"detector": detector})
    if args.cluster is not None:
        cluster = config.cluster.model_copy(update={"address": args.cluster})
        config = config.model_copy(update={"cluster": cluster})
    return config


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from cli.class_names import check_config_classes
    from runtime.threads import ThreadBudget
    from service.log_redaction import install_log_redaction
    from service.logs import configure_logging, log_settings

    config = serve_config(args)
    configure_logging(log_settings(args, config.logging))  # one format, uvicorn's lines included
    check_cluster_mode(config)
    # What the server's startup would fail on with a traceback: one line and exit 2 instead.
    check_config_classes(config, str(args.config or "the defaults"), enabled_only=True)
    logging.getLogger("httpx2").setLevel(logging.WARNING)  # its INFO lines carry webhook URLs
    ThreadBudget.for_live().apply()
    service = build_service(config)
    app = create_app(service)
    # Live feeds never end on their own: give them a bounded time to close at shutdown.
    server_config = uvicorn.Config(
        app, host=args.host, port=args.port, log_config=None, timeout_graceful_shutdown=3
    )
    # Every logger reaches the root handler: no token or password reaches a log line, the
    # access log's paths included.
    install_log_redaction(service.secrets)
    server = uvicorn.Server(server_config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else EXIT_STARTUP_FAILURE
