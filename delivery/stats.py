"""A point-in-time summary of one delivery target, read by metrics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    """Counters of one delivery target.

    Attributes:
        target: The destination with credentials redacted (a URL, or ``mqtt://host:port``).
        delivered: Events the destination accepted.
        failed: Failed attempts (a retried event can fail more than once).
        dead_lettered: Events given up on and moved to the dead letters (since start).
        queue_depth: Events waiting in the outbox (pending retries and in-flight ones included;
            they survive a restart).
    """

    target: str
    delivered: int
    failed: int
    dead_lettered: int
    queue_depth: int
