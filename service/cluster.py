"""Cluster mode's service: an API replica whose cameras run on the Ray cluster.

The replica holds no camera: the controller (shared by every replica) keeps the camera set and
the node agents run the cameras and store their events in the shared PostgreSQL. The replica
reads them back for its live event feeds (:class:`EventPoller`), pulls live frames from the
agents only while someone watches here, and serves everything else from the database and the
shared data_dir as in single-process mode.

Webhooks and MQTT: the agents' stores queue every event in the shared outbox in the
transaction that stores it, and the controller alone runs the senders (:class:`ClusterSenders`),
so that no event is sent twice; a replica runs none. A dead letter that a replica puts back is
found at the senders' next look at the outbox (every 2 s).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from cluster.interface import Sender
from config import AppConfig, ConfigError
from delivery import MqttPublisher, build_deliveries
from events import StoredEvent
from runtime.camera_set import CameraSet
from runtime.cameras import DetectorFactory
from service.camera_states import CameraSetSource
from service.event_poller import EventPoller
from service.log_redaction import install_log_redaction
from service.logs import LogSettings, configure_logging
from service.secrets import config_secrets
from service.service import ADMIN_TOKEN_ENV, CameraParts, Service, build_service
from storage import EventStore, Outbox
from storage.health import StorageHealth
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


@dataclass(frozen=True)
class ClusterSenders:
    """The config's webhook and MQTT senders, built in the controller's process
    (:data:`cluster.interface.SenderFactory`), and an :class:`EventPoller` that hands them the
    events the nodes store, every ``cluster.event_poll_ms``, as a single process's writer does
    after each commit: it wakes them (they would look by themselves only every 2 s) and MQTT
    counts its line and zone states from them. MQTT publishes the state of the controller's
    cameras."""

    config: AppConfig

    def __call__(self, engine: Engine, cameras: CameraSet[Any]) -> list[Sender]:
        deliveries = build_deliveries(self.config.webhooks, self.config.mqtt, Outbox(engine))
        if not deliveries:
            return []
        for delivery in deliveries:
            if isinstance(delivery, MqttPublisher):
                delivery.watch_cameras(CameraSetSource(cameras))

        def deliver(batch: Sequence[StoredEvent]) -> None:
            for delivery in deliveries:
                delivery.deliver(batch)

        interval_s = self.config.cluster.event_poll_ms / 1000
        poller = EventPoller(EventStore(engine), deliver, interval_s, StorageHealth())
        return [poller, *deliveries]  # stopped in this order: the poller first


def build_cluster_service(
    config: AppConfig, *, detector_factory: DetectorFactory | None = None
) -> Service:
    """Connect to the cluster (starting its controller if this is the first replica) and wire
    the replica; ``detector_factory`` goes to the controller it starts (tests: a stand-in for
    the model)."""
    from cluster.ask import ask
    from cluster.client import connect, controller
    from cluster.replica import ClusterCameras, ClusterRuntime

    address = config.cluster.resolved_address()
    if address is None:
        raise ConfigError("cluster mode: no cluster address")
    connect(address)
    setup = ActorLogging(config, os.environ.get(ADMIN_TOKEN_ENV) or None)
    handle = controller(
        config, detector_factory=detector_factory, setup=setup, senders=ClusterSenders(config)
    )
    # up (and done migrating the database) before this replica opens it; a new controller
    # starts a Ray worker process first
    ask(handle.nodes.remote(), timeout_s=STARTUP_TIMEOUT_S)

    def cameras(parts: CameraParts) -> ClusterCameras:
        runtime = ClusterRuntime(handle, Path(parts.config.data_dir))
        return ClusterCameras(handle, runtime, config, parts.secrets)

    service = build_service(config, build_cameras=cameras, deliver=False)
    service.event_poller = EventPoller(
        service.store,
        service.feed.publish,
        config.cluster.event_poll_ms / 1000,
        service.storage_health,
    )
    return service
