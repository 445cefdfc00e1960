"""Upper limits on sizes and numbers in the configuration and the API.

Each is far beyond what a demanding deployment needs and small enough that no value within it can
exhaust memory, overflow a computation or stall a thread. Field descriptions repeat them.
"""

from __future__ import annotations

MAX_SECONDS = 3600.0
"""Timeouts, delays and windows: one hour."""

MIN_SECONDS = 0.01
"""Timeouts and delays: below 10 ms a value only makes a thread spin."""

MAX_URL_LENGTH = 2048
"""Camera, webhook and database URLs and file paths (browsers' and proxies' common limit)."""

MAX_PATH_LENGTH = 4096
"""Paths of the data directory and model files (Linux's PATH_MAX)."""

MAX_NAME_LENGTH = 128
"""Short names: class names, token names, line directions, devices, MQTT client ids."""

MAX_CLASSES = 1000
"""Entries in a class list (COCO has 80 classes, Open Images 600)."""

MAX_REGIONS = 100
"""Counting lines, and separately zones, per camera."""

MAX_POLYGON_POINTS = 100
"""Corners of one zone polygon."""

MAX_PIXELS = 100_000
"""Pixel coordinates and distances (beyond any camera's resolution; negative to the same size)."""

MAX_FRAMES = 10_000
"""Frame counts (hysteresis in frames)."""

MAX_CAMERAS = 1000
"""Cameras in one configuration file."""

MAX_TOKENS = 1000
"""API tokens, and webhooks, in one configuration file."""

MAX_SECRET_LENGTH = 1024
"""Tokens, passwords and signing secrets."""
