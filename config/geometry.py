"""Per-camera geometry: counting lines and polygon zones, in pixels or normalized coordinates."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.limits import (
    MAX_CLASSES,
    MAX_FRAMES,
    MAX_NAME_LENGTH,
    MAX_PIXELS,
    MAX_POLYGON_POINTS,
    MAX_SECONDS,
)

REGION_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""Line and zone names: they appear in events, counts and API paths."""

Point = tuple[float, float]
"""An ``[x, y]`` pair: pixels from the top-left corner, or fractions of width and height."""

Coordinate = Annotated[float, Field(ge=-MAX_PIXELS, le=MAX_PIXELS)]
"""One coordinate of a configured point: finite, within 100,000 pixels either side of the frame."""

BoundedPoint = tuple[Coordinate, Coordinate]
"""A :data:`Point` as the configuration accepts it."""

ClassName = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
ClassNames = Annotated[tuple[ClassName, ...], Field(max_length=MAX_CLASSES)]
"""A list of class (or event type) names: at most 1000, each of 1 to 128 characters."""

Coordinates = Literal["pixels", "normalized"]
Anchor = Literal["bottom_center", "center", "top_center"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Region(_Strict):
    """What lines and zones share: a name, how points are given, which point of a box counts."""

    name: str = Field(
        pattern=REGION_NAME_PATTERN,
        description="Unique per camera among lines and zones: letters, digits, _ . -",
    )
    coordinates: Coordinates = Field(
        "pixels",
        description="pixels: [x, y] in pixels of the frame, from its top-left corner; normalized: "
        "[x, y] as fractions (0 to 1) of the frame's width and height.",
    )
    anchor: Anchor = Field(
        "bottom_center",
        description="The point of a track's box that is tested: bottom_center (where a person "
        "stands), center, or top_center.",
    )
    classes: ClassNames = Field(
        (),
        description="Class names this region counts, e.g. [person]; empty counts every class "
        "(at most 1000 names of 128 characters).",
    )

    def _check_normalized(self, points: tuple[Point, ...]) -> None:
        if self.coordinates != "normalized":
            return
        for x, y in points:
            if not (0 <= x <= 1 and 0 <= y <= 1):
                raise ValueError(f"{self.name}: normalized coordinates must lie in [0, 1]")


class LineConfig(_Region):
    """A counting line from ``points[0]`` (A) to ``points[1]`` (B).

    Looking at the picture from A towards B, an anchor that crosses from the left-hand side of the
    line to its right-hand side goes ``in_name``; the other way goes ``out_name``. For a line drawn
    left to right across the frame, walking down the picture is ``in``; for a line drawn top to
    bottom, walking from right to left is ``in``. Swap the points (or the names) to flip them.
    """

    points: tuple[BoundedPoint, BoundedPoint] = Field(
        description="The two end points [[xA, yA], [xB, yB]]; only crossings between them count. "
        "Coordinates are finite and within 100,000 either side of 0."
    )
    in_name: str = Field(
        "in",
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        description="Direction name of a crossing from the left of A→B to its right.",
    )
    out_name: str = Field(
        "out",
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        description="Direction name of a crossing from the right of A→B to its left.",
    )
    min_distance_px: float = Field(
        5.0,
        ge=0,
        le=MAX_PIXELS,
        description="Hysteresis: an anchor closer to the line than this is on neither side, so "
        "jitter on the line never counts (at most 100,000 px).",
    )
    min_frames: int = Field(
        3,
        ge=1,
        le=MAX_FRAMES,
        description="Consecutive frames an anchor must be on the new side (beyond min_distance_px) "
        "before the crossing counts (at most 10,000).",
    )
    dedupe_window_s: float = Field(
        2.0,
        ge=0,
        le=MAX_SECONDS,
        description="At most one count per track and direction within this many seconds "
        "(at most 3600).",
    )
    switch_radius_px: float = Field(
        25.0,
        ge=0,
        le=MAX_PIXELS,
        description="ID switches: a track that vanishes within this distance of the line is "
        "continued by a new track that appears within this distance of where it was last seen "
        "(at most 100,000 px).",
    )
    switch_window_s: float = Field(
        1.0,
        ge=0,
        le=MAX_SECONDS,
        description="ID switches: how long after the vanished track was last seen the new track "
        "may appear (at most 3600 s).",
    )

    @model_validator(mode="after")
    def _valid_line(self) -> Self:
        a, b = self.points
        if a == b:
            raise ValueError(f"line {self.name}: its two points must differ")
        if self.in_name == self.out_name:
            raise ValueError(f"line {self.name}: in_name and out_name must differ")
        self._check_normalized(self.points)
        return self


class ZoneConfig(_Region):
    """A polygon zone: entries, exits, dwell time per visit, occupancy and loitering."""

    polygon: tuple[BoundedPoint, ...] = Field(
        min_length=3,
        max_length=MAX_POLYGON_POINTS,
        description="The polygon's corners [[x, y], ...] in order: 3 to 100 of them, each "
        "coordinate finite and within 100,000 either side of 0.",
    )
    min_frames: int = Field(
        2,
        ge=1,
        le=MAX_FRAMES,
        description="Consecutive frames an anchor must be inside (or outside) before an entry "
        "(or exit) counts (at most 10,000).",
    )
    loiter_after_s: float | None = Field(
        None,
        gt=0,
        le=86_400,
        description="Emit zone.loitering once per visit that lasts this many seconds (at most "
        "a day); empty: never.",
    )

    @model_validator(mode="after")
    def _valid_zone(self) -> Self:
        if len(set(self.polygon)) < 3:
            raise ValueError(f"zone {self.name}: the polygon needs three distinct corners")
        self._check_normalized(self.polygon)
        return self


def check_unique_names(lines: tuple[LineConfig, ...], zones: tuple[ZoneConfig, ...]) -> None:
    """ValueError if two lines or zones of one camera share a name (events name their region)."""
    seen: set[str] = set()
    for region in (*lines, *zones):
        if region.name in seen:
            raise ValueError(f"line or zone name {region.name!r} is used twice")
        seen.add(region.name)
