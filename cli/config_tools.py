"""``trackcast config check FILE``, ``config schema`` and ``config reference``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

EXAMPLES = """examples:
  trackcast config check cameras.yaml
  trackcast config schema > trackcast.schema.json   # for editors: yaml-language-server
  trackcast config reference > docs/config.md
"""

MAX_LISTED_CLASSES = 8
"""A model with more classes is summarised by its count in ``check``'s success line."""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "config",
        help="check a config file; print its JSON Schema or its reference",
        description="Tools for the YAML config that run and serve read.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tools = parser.add_subparsers(dest="tool", required=True, metavar="TOOL")
    check = tools.add_parser(
        "check",
        help="validate a config file, and its class names against its models' classes",
        description="Validate FILE (keys, values, ${ENV} references) and check that the class "
        "names in detector.classes, in each line's, zone's and ignore mask's classes and in "
        "filters are ones its model reports: a misspelt class validates but never counts. "
        "serve and run check the same as each camera starts. Loads each model's class names "
        "(an offline alias, a file, or an ultralytics name, downloaded when online). "
        "Exit status 2 and one line on stderr on any problem.",
    )
    check.add_argument("file", type=Path, help="YAML config file")
    check.set_defaults(handler=run_check)
    schema = tools.add_parser(
        "schema",
        help="print the config's JSON Schema (for editors)",
        description="Print the JSON Schema of the config file, for editors that complete and "
        "check YAML (e.g. '# yaml-language-server: $schema=trackcast.schema.json').",
    )
    schema.set_defaults(handler=run_schema)
    reference = tools.add_parser(
        "reference",
        help="print the config reference as Markdown (docs/config.md)",
        description="Print every config key with its type, default and description as "
        "Markdown, rendered from the schema: what docs/config.md holds.",
    )
    reference.set_defaults(handler=run_reference)


def run_check(args: argparse.Namespace) -> int:
    from cli.class_names import check_config_classes
    from config import load_config

    config = load_config(args.file)
    result = check_config_classes(config, str(args.file), enabled_only=False)
    models = ", ".join(f"{model} ({_summary(names)})" for model, names in result.models.items())
    checked = f"; models: {models}" if models else ""
    print(f"{args.file}: valid, {len(config.cameras)} camera(s){checked}")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from config import AppConfig

    print(json.dumps(AppConfig.model_json_schema(), indent=2))
    return 0


def run_reference(args: argparse.Namespace) -> int:
    from config.reference import render

    print(render(), end="")
    return 0


def _summary(names: tuple[str, ...]) -> str:
    return ", ".join(names) if len(names) <= MAX_LISTED_CLASSES else f"{len(names)} classes"
