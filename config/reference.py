"""The configuration reference (docs/config.md), rendered from the pydantic models themselves.

Every key of :class:`AppConfig`, nested sections and list items included, with its type, default
and description, so that the reference cannot drift from the schema. ``trackcast config
reference`` prints it; a test compares docs/config.md with it.
"""

from __future__ import annotations

import enum
import inspect
import json
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from config.models import AppConfig

TITLE = "# trackcast configuration reference"
HEADER = f"""{TITLE}

<!-- Generated from config/models.py by `trackcast config reference > docs/config.md`;
     do not edit by hand (tests/config/test_reference.py fails when it is out of date). -->

Every key of the YAML file that `trackcast run --config` and `trackcast serve --config` read, and
that the API's camera routes take. Unknown keys are errors. `a.b` is key `b` inside section `a`;
`a[]` is a list whose items have the keys below it; `a.<class>` is a map from class names to
sections with the keys below it. Any value can come from the environment: `${{NAME}}` (an
error naming the key if `NAME` is not set), `${{NAME:-default}}`, and `$$` for a literal `$`.
`trackcast config check FILE` validates a file, its models' class names included; `trackcast
config schema` prints the JSON Schema for editors.
"""


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    type: str
    default: str
    description: str


def render() -> str:
    """The whole reference as Markdown: one table per top-level section."""
    out = [HEADER]
    top = [row for row in rows(AppConfig, "", AppConfig()) if "." not in row.key]
    out += ["## Top level", "", *_table(top), ""]
    for name, info in AppConfig.model_fields.items():
        if _model_of(info.annotation) is None:
            continue
        section = [r for r in rows(AppConfig, "", AppConfig()) if _in_section(r.key, name)]
        section = section[1:]  # the section's own row is in the top-level table
        out += [f"## `{name}`", "", *_table(section), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def rows(model: type[BaseModel], prefix: str, instance: BaseModel | None) -> Iterator[Row]:
    """A row per field of ``model``, then its nested sections' rows under ``prefix.field``.
    ``instance`` gives the defaults (a section's own default can differ from its class's)."""
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        default = _default(info, instance, name)
        nested = _model_of(info.annotation)
        yield Row(key, _type(info.annotation), _show_default(default, info), _describe(info))
        if nested is None:
            continue
        if isinstance(default, BaseModel):
            yield from rows(nested, f"{key}.", default)
        elif _is_list(info.annotation):
            yield from rows(nested, f"{key}[].", None)
        elif _is_map(info.annotation):
            yield from rows(nested, f"{key}.<class>.", None)
        else:  # optional section, absent by default
            yield from rows(nested, f"{key}.", None)


def _in_section(key: str, section: str) -> bool:
    return key == section or key.startswith((f"{section}.", f"{section}[]"))


def _table(rows: list[Row]) -> list[str]:
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for row in rows:
        cells = (f"`{row.key}`", row.type, row.default, row.description)
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(info: FieldInfo, instance: BaseModel | None, name: str) -> Any:
    if instance is not None:
        return getattr(instance, name)
    if info.default_factory is not None:
        return info.get_default(call_default_factory=True)
    return info.default


def _show_default(value: Any, info: FieldInfo) -> str:
    if value is PydanticUndefined:
        return "required"
    if isinstance(value, BaseModel):
        return "(section)"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, tuple):
        value = list(value)
    return f"`{json.dumps(value)}`"


def _describe(info: FieldInfo) -> str:
    """The field's description; for a section without one, what its class's docstring says."""
    text = info.description or ""
    nested = _model_of(info.annotation)
    if not text and nested is not None and nested.__doc__:
        text = " ".join(inspect.cleandoc(nested.__doc__).split("\n\n")[0].split())
    return text.replace("``", "`")


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds: directly, optionally, or as list items."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_list(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return origin in (tuple, list)


def _is_map(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_map(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_map(arg) for arg in get_args(annotation))
    return origin is dict


def _type(annotation: Any) -> str:
    """A short human reading of a type: ``float or null``, ``list of string``, ``"tcp" | "udp"``."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _type(args[0])
    if origin in (Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        text = " or ".join(_type(arg) for arg in present)
        return f"{text} or null" if len(present) < len(args) else text
    if origin is Literal:
        return " | ".join(f"`{json.dumps(arg)}`" for arg in args)
    if origin is dict:
        return f"map of {_type(args[0])} to {_type(args[1])}"
    if origin in (tuple, list):
        if len(args) == 2 and args[1] is Ellipsis:
            item = _type(args[0])
            return f"list of {item}s" if item.isalpha() else f"list of {item}"
        return "[" + ", ".join(_type(arg) for arg in args) + "]"
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return "section"
    names = {str: "string", int: "integer", float: "number", bool: "boolean"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))
