"""Builds and owns everything one ``trackcast serve`` process runs, and stops it in order.

Start order: storage writer, deliveries, retention, cameras. Stop order is the reverse (retention
first after the cameras: nothing depends on it), so that every track still open when the cameras
stop is ended and written; its deliveries are queued in the outbox with it, and what a destination
has not accepted by then goes out after the next start. All of the stop shares one deadline: no
part waits past it, a database that is still failing included (the final log line then says how
many events could not be kept, and ``stop`` returns False).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from config import AppConfig
from config.clips import ClipsConfig
from delivery import Delivery, MqttPublisher, build_deliveries
from delivery.keys import subscriptions
from events.feed import EventFeed
from runtime.camera_set import CameraSet
from runtime.cameras import DetectorFactory
from runtime.stored import stored_runtime
from service.camera_states import CameraSetSource
from service.clip_retention import ClipRetention
from service.dead_letters import DeadLetterRetry
from service.event_poller import EventPoller
from service.metrics import ServiceMetrics
from service.ports import Cameras, LiveCameras
from service.secrets import config_secrets
from storage import (
    CameraStore,
    EventStore,
    EventWriter,
    Outbox,
    Retention,
    ThumbnailStore,
    open_event_storage,
)
from storage.clips import ClipFiles, ClipStore
from storage.event_storage import EventStorage
from storage.health import StorageHealth
from storage.subscriptions import Subscription
from stream.redact import SecretSet

log = logging.getLogger(__name__)

ADMIN_TOKEN_ENV = "TRACKCAST_ADMIN_TOKEN"
STOP_RESERVE_S = 2.0
"""Of ``Service.stop``'s time, what the event writer leaves (waiting for a failing database) to
its own join and the deliveries' flush."""


@dataclass(eq=False)
class Service:
    config: AppConfig
    cameras: Cameras
    store: EventStore
    thumbnails: ThumbnailStore
    writer: EventWriter
    storage_health: StorageHealth
    """Failures of event inserts, thumbnails and retention (shared by the three)."""
    feed: EventFeed
    deliveries: list[Delivery]
    dead_letters: DeadLetterRetry
    retention: Retention
    clips: ClipStore
    clip_files: ClipFiles
    clip_retention: ClipRetention
    metrics: ServiceMetrics
    secrets: SecretSet
    """Every token and password the service knows, for the log filter (``log_redaction``)."""
    admin_token: str | None = None
    event_poller: EventPoller | None = None
    """Cluster mode: reads the events that the nodes store into ``feed``."""

    @property
    def runtime(self) -> LiveCameras:
        return self.cameras.runtime

    def start(self) -> None:
        if self.event_poller is None:  # in a cluster, the nodes write clips, not the replicas
            self._settle_clips_of_last_run()
        self.writer.start()
        for delivery in self.deliveries:
            delivery.start()
        self.retention.start()
        self.clip_retention.start()
        self.cameras.start()
        if self.event_poller is not None:
            self.event_poller.start()

    def _settle_clips_of_last_run(self) -> None:
        """Clips a previous run left ``pending`` will never be written (its rings are gone):
        ``ready`` if the file made it to disk, ``failed`` otherwise. Not in cluster mode: there
        a replica's start says nothing of the clips that the nodes' running cameras write."""
        try:
            ready, failed = self.clips.settle_pending(self.clip_files)
        except SQLAlchemyError as error:  # not fatal: the next start tries again
            log.warning("clips left pending by the last run are not settled: %s", error)
            return
        if ready or failed:
            log.info(
                "clips left pending by the last run: %d were written, %d failed (not written "
                "before it stopped)",
                ready,
                failed,
            )

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop cameras, then flush every emitted event to storage and deliveries, all within
        ``timeout_s``; True if every thread ended and every emitted event was kept (stored,
        or dropped or rejected as counted while running)."""
        deadline = time.monotonic() + timeout_s

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        ended = self.runtime.stop(left())
        if self.event_poller is not None:
            ended = self.event_poller.stop(left()) and ended
        ended = self.retention.stop(left()) and ended  # independent of the rest: first
        ended = self.clip_retention.stop(left()) and ended
        kept = self.writer.stop(max(0.0, left() - STOP_RESERVE_S))
        ended = not self.writer.running and ended
        for delivery in self.deliveries:
            ended = delivery.stop(left()) and ended
        self.store.engine.dispose()
        writer = self.writer
        log.log(
            logging.INFO if ended and kept else logging.ERROR,
            "service stopped%s: events emitted %d, stored %d, dropped %d, rejected %d, lost %d%s",
            "" if ended else " (some threads did not end in time)",
            writer.emitted,
            writer.written,
            writer.dropped,
            writer.rejected,
            writer.lost,
            f"; {writer.lost} events not stored: the database is still failing "
            f"({writer.lost_reason})"
            if writer.lost
            else "",
        )
        return ended and kept


def _log_outbox(outbox: Outbox, subscriptions: list[Subscription]) -> None:
    """Say what a restart resumes, and which queued rows belong to no configured destination
    (they stay, and are never sent elsewhere)."""
    depths = outbox.depths()
    for subscription in subscriptions:
        if depths.get(subscription.key):
            log.info(
                "%s: %d events still to deliver from before the restart",
                subscription.target,
                depths[subscription.key],
            )
    configured = {subscription.key for subscription in subscriptions}
    for key, count in depths.items():
        if key not in configured:
            log.warning(
                "the outbox holds %d events for %s, which is no longer configured; they are "
                "kept (configure it again to deliver them)",
                count,
                key,
            )


@dataclass(frozen=True)
class CameraParts:
    """What a service's camera set is built from."""

    config: AppConfig
    storage: EventStorage
    metrics: ServiceMetrics
    clip_retention: ClipRetention
    secrets: SecretSet
    detector_factory: DetectorFactory | None


CamerasBuilder = Callable[[CameraParts], Cameras]


def local_cameras(parts: CameraParts) -> CameraSet:
    """Every camera runs in this process, its events going to the storage's writer."""
    runtime = stored_runtime(
        parts.config,
        parts.storage,
        detector_factory=parts.detector_factory,
        on_batch=parts.metrics.observe_batch,
        on_clip_saved=parts.clip_retention.nudge,
    )
    return CameraSet(runtime, CameraStore(parts.storage.engine), secrets=parts.secrets)


def build_service(
    config: AppConfig,
    *,
    detector_factory: DetectorFactory | None = None,
    build_cameras: CamerasBuilder = local_cameras,
    deliver: bool = True,
) -> Service:
    """Open (and migrate) the database and wire every part; nothing runs until ``start``.
    ``build_cameras`` makes the camera set (cluster mode: proxies to the cluster's);
    ``deliver=False`` runs no webhook or MQTT sender here (cluster mode: the controller runs
    them), the events being queued in the outbox all the same."""
    storage = open_event_storage(config)
    store, writer = storage.store, storage.writer
    engine = storage.engine
    feed = EventFeed()
    outbox = Outbox(engine)
    deliveries = build_deliveries(config.webhooks, config.mqtt, outbox) if deliver else []
    subscribed = subscriptions(config.webhooks, config.mqtt)
    store.subscribe(subscribed)
    _log_outbox(outbox, subscribed)
    writer.add_listener(feed.publish)
    for delivery in deliveries:
        writer.add_listener(delivery.deliver)
    metrics = ServiceMetrics()
    admin_token = os.environ.get(ADMIN_TOKEN_ENV) or None
    secrets = config_secrets(config, admin_token)
    clips, clip_files = storage.clips, storage.clip_files

    def clip_settings() -> dict[str, ClipsConfig]:
        return {camera.id: camera.clips for camera in cameras.list()}  # built below

    clip_retention = ClipRetention(clips, clip_files, clip_settings)
    parts = CameraParts(config, storage, metrics, clip_retention, secrets, detector_factory)
    cameras = build_cameras(parts)
    for delivery in deliveries:
        if isinstance(delivery, MqttPublisher):
            delivery.watch_cameras(CameraSetSource(cameras))
    service = Service(
        config=config,
        cameras=cameras,
        store=store,
        thumbnails=storage.thumbnails,
        writer=writer,
        storage_health=storage.health,
        feed=feed,
        deliveries=deliveries,
        dead_letters=DeadLetterRetry(store, outbox, subscribed, deliveries),
        retention=Retention(
            store,
            storage.thumbnails,
            max_age_s=config.storage.retention_days * 86400,
            health=storage.health,
            clips=clip_files,
        ),
        clips=clips,
        clip_files=clip_files,
        clip_retention=clip_retention,
        metrics=metrics,
        secrets=secrets,
        admin_token=admin_token,
    )
    metrics.bind(service)
    if not (config.auth.open or config.auth.tokens or service.admin_token):
        log.warning(
            "no API token is configured: every /api request will be refused; set %s or add "
            "auth.tokens (or auth.open: true for a trusted network)",
            ADMIN_TOKEN_ENV,
        )
    return service
