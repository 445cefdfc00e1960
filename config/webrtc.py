"""Bounds on WebRTC sessions (WHEP viewers, WHIP publishers) and on their SDP offers.

Standalone on purpose: ``config.models`` embeds :class:`WebrtcConfig` without an import cycle.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SessionCapsConfig(BaseModel):
    """How many sessions of one kind may be held: in all, per token (per client address in open
    mode or without a token), and per token while not yet connected."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    max_sessions: int = Field(64, ge=1, le=1024, description="Sessions in all.")
    per_token: int = Field(4, ge=1, le=1024, description="Sessions one token may hold.")
    pending_per_token: int = Field(
        2,
        ge=1,
        le=1024,
        description="Sessions one token may hold before they connect: a token flooding offers "
        "is refused (429) beyond this, and others still get in.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.pending_per_token <= self.per_token <= self.max_sessions:
            raise ValueError("need pending_per_token <= per_token <= max_sessions")
        return self


class WebrtcConfig(BaseModel):
    """WHEP (viewers) and WHIP (publishers): caps, connect deadline, offer size."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    connect_timeout_s: float = Field(
        10.0,
        ge=10,
        le=15,
        description="A session not connected this long after its offer is closed and its slot "
        "freed, whether or not it sent candidates.",
    )
    max_offer_bytes: int = Field(
        64 * 1024,
        ge=4 * 1024,
        le=1024 * 1024,
        description="Longer SDP offers are refused with 413 before they are read.",
    )
    viewers: SessionCapsConfig = Field(
        default_factory=SessionCapsConfig, description="WHEP viewer sessions."
    )
    publishers: SessionCapsConfig = Field(
        default_factory=lambda: SessionCapsConfig(
            max_sessions=16, per_token=16, pending_per_token=4
        ),
        description="WHIP publisher sessions (admin tokens).",
    )
