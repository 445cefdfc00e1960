"""The last line of defence for secrets in logs: a filter on the process's log handlers.

Every record that reaches a handler has its message, arguments, traceback and stack redacted:
URLs anywhere in them lose their passwords and secret query values (:func:`stream.redact_text`,
which also covers the paths in uvicorn's access log), and known secrets (API tokens, camera
passwords, webhook keys) become ``***`` wherever they stand; so do string fields passed with
``extra=`` (the JSON log format writes them).
"""

from __future__ import annotations

import logging
from numbers import Number

from service.logs import extra_fields
from stream.redact import SecretSet


class RedactingFilter(logging.Filter):
    """Rewrites records in place; never drops one."""

    def __init__(self, secrets: SecretSet) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        redact = self.secrets.redact
        # Arguments one by one, so formatters that read them (uvicorn's access log) still can.
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: self._redact_arg(arg) for key, arg in record.args.items()}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: logging reports it itself
            message = None
        if message is not None and redact(message) != message:
            # A secret the template and arguments only make together: keep the finished line.
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in extra_fields(record).items():  # fields the JSON format writes
            if isinstance(value, str):
                setattr(record, key, redact(value))
        return True

    def _redact_arg(self, arg: object) -> object:
        if arg is None or isinstance(arg, Number):
            return arg  # numbers keep %d and %.1f working
        text = str(arg)
        redacted = self.secrets.redact(text)
        return arg if redacted == text else redacted


def install_log_redaction(
    secrets: SecretSet, *, loggers: tuple[str, ...] = ("",)
) -> RedactingFilter:
    """Put a :class:`RedactingFilter` on every handler of ``loggers`` ("": the root logger, which
    every logger reaches once :func:`service.logs.configure_logging` ran; a logger that does not
    propagate has handlers of its own). Handlers added later are not covered: call this after
    logging is configured."""
    redacting = RedactingFilter(secrets)
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(redacting)
    return redacting
