"""Per-class detection filters and ignore masks: what a camera drops before tracking.

Standalone like ``config.motion``: ``config.models`` embeds these without an import cycle. Areas
are fractions of the frame's area (0 to 1), so one setting fits every resolution of a stream.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.geometry import Anchor, BoundedPoint, ClassName, ClassNames, Coordinates
from config.limits import MAX_CLASSES, MAX_POLYGON_POINTS, MAX_REGIONS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ClassFilterConfig(_Strict):
    """Limits a detection of one class must meet to reach the tracker; the others are dropped
    (and counted in ``trackcast_camera_detections_filtered``)."""

    min_score: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Lowest detection confidence kept (0 to 1); below the detector's conf it "
        "changes nothing.",
    )
    min_area: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Smallest box kept, as a fraction of the frame's area (0 to 1): 0.001 is "
        "about 30x30 px of a 1280x720 frame.",
    )
    max_area: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Largest box kept, as a fraction of the frame's area (0 to 1; 1 keeps every "
        "size).",
    )

    @model_validator(mode="after")
    def _areas_in_order(self) -> Self:
        if self.min_area > self.max_area:
            raise ValueError("min_area must be at most max_area")
        return self


ClassFilters = Annotated[dict[ClassName, ClassFilterConfig], Field(max_length=MAX_CLASSES)]
"""Filters by class name (exactly as the model reports it, e.g. ``person``)."""


class IgnoreConfig(_Strict):
    """A polygon where detections are dropped before tracking: a flag that waves all day, a
    parked car, a screen. A detection is dropped when its anchor point lies inside (edges
    included)."""

    polygon: tuple[BoundedPoint, ...] = Field(
        min_length=3,
        max_length=MAX_POLYGON_POINTS,
        description="The polygon's corners [[x, y], ...] in order: 3 to 100 of them, each "
        "coordinate finite and within 100,000 either side of 0.",
    )
    coordinates: Coordinates = Field(
        "pixels",
        description="pixels: [x, y] in pixels of the frame, from its top-left corner; normalized: "
        "[x, y] as fractions (0 to 1) of the frame's width and height.",
    )
    anchor: Anchor = Field(
        "bottom_center",
        description="The point of a detection's box that is tested: bottom_center (where a "
        "person stands), center, or top_center.",
    )
    classes: ClassNames = Field(
        (),
        description="Class names this mask drops, e.g. [car]; empty drops every class "
        "(at most 1000 names of 128 characters).",
    )

    @model_validator(mode="after")
    def _valid_polygon(self) -> Self:
        if len(set(self.polygon)) < 3:
            raise ValueError("an ignore polygon needs three distinct corners")
        if self.coordinates == "normalized" and not all(
            0 <= v <= 1 for point in self.polygon for v in point
        ):
            raise ValueError("normalized coordinates of an ignore polygon must lie in [0, 1]")
        return self


IgnoreMasks = Annotated[tuple[IgnoreConfig, ...], Field(max_length=MAX_REGIONS)]
"""A camera's ignore polygons: at most 100."""
