"""Cluster mode settings (``trackcast serve --cluster``; see ``cluster/``).

Standalone on purpose, like ``config.recording``: ``config.models`` embeds :class:`ClusterConfig`.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field

from config.limits import MAX_URL_LENGTH

AUTO = "auto"
"""``cluster.address`` (or a bare ``--cluster``) that means: the address in ``RAY_ADDRESS``."""
RAY_ADDRESS_ENV = "RAY_ADDRESS"


class ClusterConfig(BaseModel):
    """Where the Ray cluster is; without an address, ``serve`` runs every camera itself."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    address: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="Ray cluster address (host:port of the head's GCS, e.g. 10.0.0.5:6379) to run "
        "the cameras on; 'auto': the address in RAY_ADDRESS. Needs PostgreSQL storage. Default: "
        "no cluster, every camera runs in the serve process.",
    )
    event_poll_ms: float = Field(
        250.0,
        ge=10,
        le=10_000,
        description="Cluster mode: how often an API process reads new events from the database "
        "for its live event feeds (WebSocket and SSE), and the controller for its webhook and "
        "MQTT senders, 10 ms to 10 s.",
    )

    def resolved_address(self) -> str | None:
        """The address to connect to: ``RAY_ADDRESS`` for 'auto' (None if it is unset)."""
        if self.address == AUTO:
            return os.environ.get(RAY_ADDRESS_ENV) or None
        return self.address
