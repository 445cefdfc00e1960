"""Errors a video source raises. Messages name the source with credentials redacted."""


class SourceError(Exception):
    """A video source cannot be used. ``str(error)`` is a one-line message for the user."""


class SourceNotFoundError(SourceError):
    """A local file that does not exist."""


class NotAVideoError(SourceError):
    """The input opened but holds no decodable video stream."""


class SourceOpenError(SourceError):
    """The input could not be opened (network error, refused connection, bad URL)."""


class UnsupportedSourceError(SourceError):
    """The URL can never work: unknown scheme, no host, malformed. Retrying will not help."""


class SourceStalledError(SourceError):
    """A live source sent no decodable frame for longer than its stall timeout."""


class SourceNotAllowedError(UnsupportedSourceError):
    """The deployment's ``sources`` settings do not let cameras open this file or address."""
