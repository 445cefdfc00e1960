"""Entry point of the ``trackcast`` script: parse, dispatch, turn known errors into exit 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import analyze, evaluate, export, run, serve, track
from detectors import ModelError
from outputs import OutputError
from service.log_redaction import install_log_redaction
from storage import StorageError
from stream import SourceError
from stream.redact import SecretSet, redact_text

EXIT_OK = 0
EXIT_USAGE = 2
"""Bad input of any kind: arguments, files, models, outputs. One line on stderr, no traceback."""
EXIT_INTERRUPTED = 130

USER_ERRORS = (SourceError, ModelError, OutputError, StorageError, ValueError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trackcast",
        description="Track objects in video files and live streams.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument(
        "--log-format", choices=("text", "json"), help="log line format (env TRACKCAST_LOG_FORMAT)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    track.register(commands)
    run.register(commands)
    serve.register(commands)
    analyze.register(commands)
    evaluate.register(commands)
    export.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from service.logs import configure_logging, log_settings  # after --help: it imports config

    try:
        configure_logging(log_settings(args))  # serve and run apply their config's logging too
        install_log_redaction(SecretSet())  # URLs in any log line lose their passwords
        return int(args.handler(args))
    except USER_ERRORS as error:
        print(f"trackcast: error: {redact_text(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("trackcast: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
