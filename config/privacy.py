"""Per-camera privacy settings: what is hidden in everything a camera publishes or stores.

Standalone, like ``config.motion``: ``config.models`` embeds :class:`PrivacyConfig`.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.geometry import BoundedPoint, ClassNames
from config.limits import MAX_POLYGON_POINTS, MAX_REGIONS
from detectors.faces import face_model_problem
from outputs.face_privacy import FaceSettings
from outputs.privacy import PrivacyMode, PrivacySettings, PrivacyZone


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PrivacyZoneConfig(_Strict):
    """A polygon that is always filled black in what the camera publishes."""

    coordinates: Literal["pixels", "normalized"] = Field(
        "pixels",
        description="pixels: [x, y] in pixels of the frame, from its top-left corner; normalized: "
        "[x, y] as fractions (0 to 1) of the frame's width and height.",
    )
    polygon: tuple[BoundedPoint, ...] = Field(
        min_length=3,
        max_length=MAX_POLYGON_POINTS,
        description="The polygon's corners [[x, y], ...] in order: 3 to 100 of them.",
    )

    @model_validator(mode="after")
    def _valid_polygon(self) -> Self:
        if len(set(self.polygon)) < 3:
            raise ValueError("privacy zone: the polygon needs three distinct corners")
        if self.coordinates == "normalized" and not all(
            0 <= x <= 1 and 0 <= y <= 1 for x, y in self.polygon
        ):
            raise ValueError("privacy zone: normalized coordinates must lie in [0, 1]")
        return self


class PrivacyConfig(_Strict):
    """What is hidden in everything the camera publishes or stores (snapshots, MJPEG, WHEP video,
    event thumbnails). Detection, tracking and analysis still see the original frames. Off by
    default: no zones and no classes."""

    zones: tuple[PrivacyZoneConfig, ...] = Field(
        (),
        max_length=MAX_REGIONS,
        description="Static privacy zones, always filled black (at most 100).",
    )
    classes: ClassNames = Field(
        (),
        description="Class names whose tracked boxes are hidden, e.g. [person]; empty: none.",
    )
    mode: PrivacyMode = Field(
        PrivacyMode.PIXELATE,
        description="How the boxes of those classes are hidden: pixelate, blur or black.",
    )
    padding: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Each side of a hidden box grows by this fraction of the box's size (plus "
        "4 px), so a box that lags its object still covers it.",
    )
    block_px: int = Field(
        16,
        ge=2,
        le=256,
        description="pixelate: the smallest cell in pixels (2 to 256); a large box gets larger "
        "cells, at most 16 across its longer side.",
    )

    faces: bool = Field(
        False,
        description="Hide faces too, found by an offline face detector (MTCNN, fetched with "
        "`python -m detectors.fetch mtcnn-faces`) in the upper part of each tracked person and "
        "in the whole frame; hidden like the classes (mode, padding).",
    )
    face_check_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="faces: each tracked person's head is searched again after this many seconds "
        "(in between its faces move with its box; one head per frame).",
    )
    face_scan_s: float = Field(
        2.0,
        ge=0,
        le=3600,
        description="faces: the whole frame (scaled to 320 px: close faces) is searched every "
        "this many seconds, for faces without a person box; 0: never.",
    )

    @model_validator(mode="after")
    def _face_model_present(self) -> Self:
        if self.faces and (problem := face_model_problem()) is not None:
            raise ValueError(f"privacy.faces: {problem}")
        return self

    def settings(self) -> PrivacySettings:
        return PrivacySettings(
            classes=frozenset(self.classes),
            mode=self.mode,
            padding=self.padding,
            block_px=self.block_px,
            zones=tuple(
                PrivacyZone(zone.polygon, normalized=zone.coordinates == "normalized")
                for zone in self.zones
            ),
            faces=FaceSettings(self.face_check_s, self.face_scan_s) if self.faces else None,
        )
