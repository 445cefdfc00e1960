"""Builds and owns everything one ``trackcast serve`` process runs, and stops it in order.

Start order: storage writer, deliveries, retention, cameras. Stop order is the reverse, so that
every track still open when the cameras stop is ended and written; its deliveries are queued in
the outbox with it, and what a destination has not accepted by then goes out after the next start.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from config import AppConfig
from delivery import Delivery, build_deliveries
from events.feed import EventFeed
from runtime.camera_set import CameraSet
from runtime.cameras import CameraRuntime, DetectorFactory
from service.dead_letters import DeadLetterRetry
from service.metrics import ServiceMetrics
from service.secrets import config_secrets
from storage import (
    CameraStore,
    EventStore,
    EventWriter,
    Outbox,
    Retention,
    StorageError,
    ThumbnailStore,
    default_url,
    migrate,
    open_database,
)
from storage.private import private_dir
from stream.redact import SecretSet

log = logging.getLogger(__name__)

ADMIN_TOKEN_ENV = "TRACKCAST_ADMIN_TOKEN"


@dataclass(eq=False)
class Service:
    config: AppConfig
    cameras: CameraSet
    store: EventStore
    thumbnails: ThumbnailStore
    writer: EventWriter
    feed: EventFeed
    deliveries: list[Delivery]
    dead_letters: DeadLetterRetry
    retention: Retention
    metrics: ServiceMetrics
    secrets: SecretSet
    """Every token and password the service knows, for the log filter (``log_redaction``)."""
    admin_token: str | None = None

    @property
    def runtime(self) -> CameraRuntime:
        return self.cameras.runtime

    def start(self) -> None:
        self.writer.start()
        for delivery in self.deliveries:
            delivery.start()
        self.retention.start()
        self.cameras.start()

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop cameras, then flush every emitted event to storage and deliveries."""
        clean = self.runtime.stop(timeout_s)
        clean = self.writer.stop(timeout_s) and clean
        for delivery in self.deliveries:
            clean = delivery.stop(timeout_s) and clean
        clean = self.retention.stop(timeout_s) and clean
        self.store.engine.dispose()
        writer = self.writer
        log.info(
            "service stopped%s: events emitted %d, stored %d, dropped %d, rejected %d, lost %d",
            "" if clean else " (some threads did not end in time)",
            writer.emitted,
            writer.written,
            writer.dropped,
            writer.rejected,
            writer.lost,
        )
        return clean


def _private_data_dir(data_dir: Path) -> None:
    """0700: the database (camera passwords) and thumbnails (camera images) live below it."""
    try:
        private_dir(data_dir)
    except OSError as error:
        raise StorageError(f"cannot create the data directory {data_dir}: {error}") from None


def _log_outbox(outbox: Outbox, deliveries: list[Delivery]) -> None:
    """Say what a restart resumes, and which queued rows belong to no configured destination
    (they stay, and are never sent elsewhere)."""
    depths = outbox.depths()
    for delivery in deliveries:
        if depths.get(delivery.subscription.key):
            log.info(
                "%s: %d events still to deliver from before the restart",
                delivery.subscription.target,
                depths[delivery.subscription.key],
            )
    configured = {delivery.subscription.key for delivery in deliveries}
    for key, count in depths.items():
        if key not in configured:
            log.warning(
                "the outbox holds %d events for %s, which is no longer configured; they are "
                "kept (configure it again to deliver them)",
                count,
                key,
            )


def build_service(config: AppConfig, *, detector_factory: DetectorFactory | None = None) -> Service:
    """Open (and migrate) the database and wire every part; nothing runs until ``start``."""
    data_dir = Path(config.data_dir)
    _private_data_dir(data_dir)
    engine = open_database(config.storage.url or default_url(data_dir))
    migrate(engine)
    store = EventStore(engine)
    thumbnails = ThumbnailStore(data_dir / "thumbnails")
    writer = EventWriter(
        store,
        thumbnails,
        batch_size=config.storage.batch_size,
        flush_interval_s=config.storage.flush_interval_ms / 1000,
    )
    feed = EventFeed()
    outbox = Outbox(engine)
    deliveries = build_deliveries(config.webhooks, config.mqtt, outbox)
    store.subscribe([delivery.subscription for delivery in deliveries])
    _log_outbox(outbox, deliveries)
    writer.add_listener(feed.publish)
    for delivery in deliveries:
        writer.add_listener(delivery.deliver)
    metrics = ServiceMetrics()
    admin_token = os.environ.get(ADMIN_TOKEN_ENV) or None
    secrets = config_secrets(config, admin_token)
    runtime = CameraRuntime(
        config, detector_factory=detector_factory, events=writer, on_batch=metrics.observe_batch
    )
    service = Service(
        config=config,
        cameras=CameraSet(runtime, CameraStore(engine), secrets=secrets),
        store=store,
        thumbnails=thumbnails,
        writer=writer,
        feed=feed,
        deliveries=deliveries,
        dead_letters=DeadLetterRetry(store, outbox, deliveries),
        retention=Retention(store, thumbnails, max_age_s=config.storage.retention_days * 86400),
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
