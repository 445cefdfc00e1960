"""Cluster mode's service: an API replica whose cameras run on the Ray cluster.

The replica holds no camera: the controller (shared by every replica) keeps the camera set and
the node agents run the cameras and store their events in the shared PostgreSQL. The replica
reads them back for its live event feeds (:class:`EventPoller`), pulls live frames from the
agents only while someone watches here, and serves everything else from the database and the
shared data_dir as in single-process mode.

Webhooks and MQTT are not delivered in cluster mode yet: a config that sets them is refused
(:func:`check_cluster_config`), so that no event is silently left undelivered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from config import AppConfig, ConfigError
from runtime.cameras import DetectorFactory
from service.event_poller import EventPoller
from service.log_redaction import install_log_redaction
from service.logs import LogSettings, configure_logging
from service.secrets import config_secrets
from service.service import ADMIN_TOKEN_ENV, CameraParts, Service, build_service
from stream.redact import SecretSet

STARTUP_TIMEOUT_S = 120.0
"""Longest a replica waits for the controller to answer its first call."""


@dataclass(frozen=True)
class ActorLogging:
    """What the processes of the cluster's actors (the controller, the node agents) run first:
    they log in the format and at the level of the config's ``logging`` (and the environment,
    as ``serve`` does), and hide every secret of the config, the admin token and the URLs of the
    cameras they are given later (:data:`cluster.interface.ProcessSetup`)."""

    config: AppConfig
    admin_token: str | None

    def __call__(self, secrets: SecretSet) -> None:
        configure_logging(LogSettings.resolve(self.config.logging))
        config_secrets(self.config, self.admin_token, into=secrets)
        install_log_redaction(secrets)


def check_cluster_config(config: AppConfig) -> None:
    """ConfigError for what cluster mode does not do yet."""
    if config.webhooks or config.mqtt is not None:
        raise ConfigError(
            "cluster mode does not deliver webhooks or MQTT yet: remove webhooks and mqtt from "
            "the config (events are all in the database and on GET /api/events and its feeds)"
        )


def build_cluster_service(
    config: AppConfig, *, detector_factory: DetectorFactory | None = None
) -> Service:
    """Connect to the cluster (starting its controller if this is the first replica) and wire
    the replica; ``detector_factory`` goes to the controller it starts (tests: a stand-in for
    the model)."""
    from cluster.ask import ask
    from cluster.client import connect, controller
    from cluster.replica import ClusterCameras, ClusterRuntime

    check_cluster_config(config)
    address = config.cluster.resolved_address()
    if address is None:
        raise ConfigError("cluster mode: no cluster address")
    connect(address)
    setup = ActorLogging(config, os.environ.get(ADMIN_TOKEN_ENV) or None)
    handle = controller(config, detector_factory=detector_factory, setup=setup)
    # up (and done migrating the database) before this replica opens it; a new controller
    # starts a Ray worker process first
    ask(handle.nodes.remote(), timeout_s=STARTUP_TIMEOUT_S)

    def cameras(parts: CameraParts) -> ClusterCameras:
        runtime = ClusterRuntime(handle, Path(parts.config.data_dir))
        return ClusterCameras(handle, runtime, config, parts.secrets)

    service = build_service(config, build_cameras=cameras)
    service.event_poller = EventPoller(
        service.store, service.feed, config.cluster.event_poll_ms / 1000, service.storage_health
    )
    return service
