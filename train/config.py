"""Run configs: a dataclass documented once, read from YAML, overridden on the command line.

Each field's help lives in ``field(metadata={"help": ...})``; :func:`make_parser` turns every
scalar or list-of-scalar field into a ``--flag`` with that help, and :func:`parse_config` layers
``--config FILE`` (YAML) under the flags that were given.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

C = TypeVar("C")
_SCALARS = (str, int, float, bool)


def make_parser(cls: type, prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--config", help="YAML file with any of the fields below")
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind, many = _flag_type(hints[f.name])
        if kind is None:
            continue  # nested values (like SFT stages) come from the YAML file
        default = _default(f)
        parser.add_argument(
            "--" + f.name.replace("_", "-"),
            dest=f.name,
            type=_parse_bool if kind is bool else kind,
            nargs="+" if many else None,
            default=argparse.SUPPRESS,
            help=f"{f.metadata.get('help', '')} (default: {default})",
        )
    return parser


def parse_config(cls: type[C], argv: Sequence[str] | None, prog: str, description: str) -> C:
    args = vars(make_parser(cls, prog, description).parse_args(argv))
    path = args.pop("config", None)
    values = load_yaml(path) if path else {}
    values.update(args)
    return from_dict(cls, values)


def load_yaml(path: str | Path) -> dict:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of config fields")
    return data


def from_dict(cls: type[C], values: dict) -> C:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown field(s) {unknown}; known: {sorted(names)}")
    return cls(**values)


def to_dict(config: Any) -> dict:
    return dataclasses.asdict(config)


def describe(cls: type) -> str:
    """Every field with its default and help, one per line (for docs)."""
    lines = []
    for f in dataclasses.fields(cls):
        default = _default(f)
        lines.append(f"- `{f.name}` (default `{default}`): {f.metadata.get('help', '')}")
    return "\n".join(lines)


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else None


def _flag_type(hint: Any) -> tuple[type | None, bool]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        return _flag_type(members[0]) if len(members) == 1 else (None, False)
    if origin is list and args and args[0] in _SCALARS:
        return args[0], True
    if hint in _SCALARS:
        return hint, False
    return None, False


def _parse_bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
