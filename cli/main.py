"""Entry point of the ``trackcast`` script: parse, dispatch, turn known errors into exit 2.

Building the parser imports nothing heavy (each subcommand module only registers its arguments;
its handler imports the pipeline), so ``--help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from cli import analyze, cluster, config_tools, dataset, evaluate, export, run, serve, track

EXIT_OK = 0
EXIT_USAGE = 2
"""Bad input of any kind: arguments, files, models, outputs. One line on stderr, no traceback."""
EXIT_INTERRUPTED = 130


def package_version() -> str:
    try:
        return version("trackcast")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trackcast",
        description="Track objects in video files and live streams.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument("--version", action="version", version=f"trackcast {package_version()}")
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
    dataset.register(commands)
    config_tools.register(commands)
    cluster.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Imported only now: --help and --version never load the pipeline.
    from cluster import ClusterError
    from detectors import ModelError
    from outputs import OutputError
    from service.log_redaction import install_log_redaction
    from service.logs import configure_logging, log_settings, report_user_error
    from storage import StorageError
    from stream import SourceError
    from stream.redact import SecretSet, redact_text

    user_errors = (SourceError, ModelError, OutputError, StorageError, ClusterError, ValueError)
    try:
        configure_logging(log_settings(args))  # serve and run apply their config's logging too
        install_log_redaction(SecretSet())  # URLs in any log line lose their passwords
        return int(args.handler(args))
    except user_errors as error:
        report_user_error(redact_text(str(error)))
        return EXIT_USAGE
    except KeyboardInterrupt:
        report_user_error("interrupted", prefix="trackcast: ")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
