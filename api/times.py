"""Times at the API's edge: epoch seconds or ISO-8601 in, epoch seconds and ISO-8601 out.

Query parameters take either form (``since=1700000000`` or ``since=2023-11-14T22:13:20Z``); an
ISO-8601 time must carry its zone (``Z`` or ``+01:00``), since a server cannot guess it.
Responses keep the epoch seconds that clients already read and add the same instant in ISO-8601
(UTC) beside them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, AwareDatetime, Field

EpochSeconds = Annotated[float, Field(allow_inf_nan=False, ge=-1e11, le=1e11)]
"""Seconds since the epoch (UTC), within about 3000 years either side of 1970."""

TimeParam = EpochSeconds | AwareDatetime
"""What a time query parameter accepts: epoch seconds, or ISO-8601 with a zone."""

TIME_FORMATS = (
    "Epoch seconds (1700000000.5) or ISO-8601 with a zone (2023-11-14T22:13:20Z, "
    "2023-11-14T23:13:20+01:00)."
)


def epoch(value: float | datetime | None) -> float | None:
    """Epoch seconds of a time parameter; None stays None."""
    if value is None or isinstance(value, float | int):
        return value
    return value.timestamp()


def iso(seconds: float) -> str:
    """The instant in ISO-8601, UTC, with milliseconds: ``2023-11-14T22:13:20.500Z``."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@cache
def _zone_names() -> frozenset[str]:
    """The IANA zone names known here (read once: a walk of the zone database)."""
    return frozenset(available_timezones())


def check_zone(name: str) -> str:
    """``name`` if it is an IANA zone that loads here, else ValueError (a 422 for a parameter)."""
    if name not in _zone_names():
        raise ValueError(f"unknown time zone {name!r}: use an IANA name, e.g. Europe/Berlin")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:  # listed, yet it does not load
        raise ValueError(f"time zone {name!r} cannot be loaded: {error}") from None
    return name


ZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(check_zone)]
"""A ``tz=`` parameter: an IANA zone name such as ``Europe/Berlin``."""
