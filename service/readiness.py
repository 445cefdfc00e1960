"""Whether the running service does its work: every thread it owns alive and coming round, and
storage writing. A camera that failed is not a readiness problem (its health shows it); a dead
or stuck shared thread, or a database that refuses writes, is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stream.heartbeat import ThreadHealth

if TYPE_CHECKING:
    from service.service import Service


@dataclass(frozen=True, slots=True)
class Readiness:
    threads: list[ThreadHealth]
    storage_error: str | None
    """Why the event writer's last insert failed, while it keeps failing."""

    @property
    def unhealthy(self) -> list[ThreadHealth]:
        """Threads that died or are stuck."""
        return [thread for thread in self.threads if not thread.ok]

    @property
    def ready(self) -> bool:
        return not self.unhealthy and self.storage_error is None


def readiness(service: Service) -> Readiness:
    writer = service.writer
    threads = [writer.heartbeat.health(), service.retention.heartbeat.health()]
    threads.append(service.clip_retention.heartbeat.health())
    for delivery in service.deliveries:
        threads += delivery.threads()
    threads += service.runtime.threads()
    if service.event_poller is not None:
        threads.append(service.event_poller.heartbeat.health())
    return Readiness(threads, writer.failing)
