"""Tools: typed functions an agent calls, each a read or a write on the domain database.

A tool is defined once. ``@tool(WRITE)`` on a plain function with type hints and a Google-style
docstring gives its OpenAI-style JSON schema (the same conventions as
``transformers.utils.get_json_schema``, so the functions also work as TRL tools)::

    @tool(WRITE)
    def cancel_pending_order(order_id: str, reason: Literal["no longer needed", "ordered by mistake"]) -> dict:
        \"\"\"Cancel a pending order.

        Args:
            order_id: The order id, such as '#W0000001'.
            reason: Why the user cancels.
        \"\"\"

Arguments are validated against the schema before the function runs; a failure raises
:class:`ToolError`, whose message is what the agent reads.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

READ = "read"
WRITE = "write"


class ToolError(Exception):
    """A failed tool call. The message is shown to the agent as the tool's answer."""


@dataclass(frozen=True, eq=False)
class Tool:
    """A callable tool with its schema.

    Attributes:
        name: The name the agent calls.
        kind: ``"read"`` or ``"write"``: whether a successful call may change the database.
        description: What the tool does, as the model reads it.
        parameters: JSON schema (``type: object``) of the arguments.
        fn: The implementation, called with validated keyword arguments.
        ends_episode: A successful call ends the conversation (e.g. a transfer to a human).
    """

    name: str
    kind: str
    description: str
    parameters: dict
    fn: Callable[..., Any] = field(repr=False)
    ends_episode: bool = False

    @property
    def schema(self) -> dict:
        """The OpenAI-style function schema."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def __call__(self, **arguments: Any) -> Any:
        return self.fn(**validate_arguments(self, arguments))

    @cached_property
    def accepts(self) -> Callable[[Any], bool]:
        """A quick test, made once from :attr:`parameters`, that ``arguments`` pass validation: True
        only if :func:`validate_arguments` accepts them (False: ask it, for the reason)."""
        return _quick_test(self.parameters)


def tool(kind: str = READ, *, name: str | None = None, ends_episode: bool = False) -> Callable[[Callable], Tool]:
    """Mark a function as a tool of the given kind (``READ`` or ``WRITE``)."""
    if kind not in (READ, WRITE):
        raise ValueError(f"tool kind must be {READ!r} or {WRITE!r}, not {kind!r}")

    def wrap(fn: Callable) -> Tool:
        description, parameters = schema_from_function(fn)
        return Tool(name or fn.__name__, kind, description, parameters, fn, ends_episode)

    return wrap


# ---------------------------------------------------------------------------------------------
# Schema from type hints and a Google-style docstring

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_CHOICES = re.compile(r"\s*\(choices:\s*(\[.*?\])\)\s*$")


def schema_from_function(fn: Callable) -> tuple[str, dict]:
    """Return ``(description, parameters_schema)`` for a typed, documented function."""
    description, arg_docs = _parse_docstring(inspect.getdoc(fn) or "")
    hints = typing.get_type_hints(fn)
    properties: dict[str, dict] = {}
    required: list[str] = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name not in hints:
            raise TypeError(f"{fn.__name__}: parameter {param.name!r} has no type hint")
        if param.name not in arg_docs:
            raise TypeError(f"{fn.__name__}: parameter {param.name!r} is not documented under Args:")
        prop = json_type(hints[param.name])
        doc = arg_docs[param.name]
        choices = _CHOICES.search(doc)
        if choices:
            prop["enum"] = list(ast.literal_eval(choices.group(1)))
            doc = doc[: choices.start()]
        prop["description"] = doc.strip()
        properties[param.name] = prop
        if param.default is param.empty:
            required.append(param.name)
    if not description:
        raise TypeError(f"{fn.__name__}: a tool needs a docstring")
    return description, {"type": "object", "properties": properties, "required": required}


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    lines = doc.splitlines()
    description, args, section, current = [], {}, None, None
    for line in lines:
        match = _SECTION.match(line)
        if match:
            section = match.group(1)
            continue
        if section is None:
            description.append(line)
        elif section in ("Args", "Arguments", "Parameters"):
            entry = re.match(r"^\s{0,8}(\w+)(?:\s*\([^)]*\))?:\s*(.*)$", line)
            if entry and (current is None or len(line) - len(line.lstrip()) <= args[current][1]):
                current = entry.group(1)
                args[current] = [entry.group(2), len(line) - len(line.lstrip())]
            elif current and line.strip():
                args[current][0] += " " + line.strip()
    return " ".join(" ".join(description).split()), {k: v[0] for k, v in args.items()}


def json_type(hint: Any) -> dict:
    """JSON schema of a Python type hint (str, int, float, bool, list[X], dict, Literal, Optional)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        values = list(args)
        schema = json_type(type(values[0]))
        schema["enum"] = values
        return schema
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        schema = json_type(members[0]) if len(members) == 1 else {"anyOf": [json_type(m) for m in members]}
        if len(members) < len(args):
            schema["nullable"] = True
        return schema
    if origin in (list, tuple, typing.Sequence) or hint in (list, tuple):
        return {"type": "array", "items": json_type(args[0])} if args else {"type": "array"}
    if origin is dict or hint is dict:
        return {"type": "object"}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if hint in simple:
        return {"type": simple[hint]}
    if hint is Any:
        return {}
    raise TypeError(f"unsupported tool parameter type: {hint!r}")


# ---------------------------------------------------------------------------------------------
# Argument validation

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_MAX_STRING = 10_000
_EXACT = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}  # by exact type


def validate_arguments(tool: Tool, arguments: Any) -> dict:
    """Check ``arguments`` against ``tool.parameters``; raise :class:`ToolError` saying what is wrong."""
    if tool.accepts(arguments):
        return dict(arguments)
    return _validate_fully(tool, arguments)


def _validate_fully(tool: Tool, arguments: Any) -> dict:
    """:func:`validate_arguments` by walking the schema: whatever the quick test leaves to it."""
    if not isinstance(arguments, Mapping):
        raise ToolError(
            f"arguments of {tool.name} must be a JSON object, got {_type_name(arguments)}. {signature(tool)}"
        )
    properties = tool.parameters.get("properties", {})
    unknown = [k for k in arguments if k not in properties]
    if unknown:
        raise ToolError(f"{tool.name} got unknown argument(s) {', '.join(map(repr, unknown))}. {signature(tool)}")
    missing = [k for k in tool.parameters.get("required", ()) if k not in arguments]
    if missing:
        raise ToolError(
            f"{tool.name} is missing required argument(s) {', '.join(map(repr, missing))}. {signature(tool)}"
        )
    for key, value in arguments.items():
        problem = _check(value, properties[key]) or _non_finite(value)
        if problem:
            raise ToolError(f"argument {key!r} of {tool.name} {problem}. {signature(tool)}")
    return dict(arguments)


def _quick_test(parameters: dict) -> Callable[[Any], bool]:
    """``arguments -> bool``: the checks of :func:`validate_arguments` compiled for one schema, the
    common shapes (a dict of strings, numbers, booleans, enums) tested by exact type. Walking the
    schema on every call costs more than the tool's own SQL; the full walk remains to explain a
    refusal and for whatever the quick test leaves to it."""
    properties = parameters.get("properties", {})
    names, required = frozenset(properties), frozenset(parameters.get("required", ()))
    tests = {key: _quick_value_test(schema) for key, schema in properties.items()}
    strings = all(test is _plain_string for test in tests.values())  # then tested inline, no call per value

    def accepts(arguments: Any) -> bool:
        if type(arguments) is not dict:
            return False
        keys = arguments.keys()
        if keys != names and not (keys >= required and keys <= names):
            return False
        if strings:
            for value in arguments.values():
                if type(value) is not str or len(value) > _MAX_STRING:
                    return False
            return True
        for key, value in arguments.items():
            if not tests[key](value):
                return False
        return True

    return accepts


def _quick_value_test(schema: dict) -> Callable[[Any], bool]:
    """``value -> bool``, True only if ``_check`` and ``_non_finite`` find nothing wrong."""

    def full(value: Any) -> bool:
        return _check(value, schema) is None and _non_finite(value) is None

    exact, enum, nullable = _EXACT.get(schema.get("type")), schema.get("enum"), bool(schema.get("nullable"))
    try:
        allowed = None if enum is None else frozenset(enum)
    except TypeError:  # an unhashable choice
        exact = None
    if exact is None or "anyOf" in schema:
        return full
    if exact == (str,) and allowed is None and not nullable:  # the commonest parameter, tested first
        return _plain_string

    def test(value: Any) -> bool:
        kind = type(value)
        if kind not in exact:
            return value is None and nullable
        if (kind is str and len(value) > _MAX_STRING) or (kind is float and not math.isfinite(value)):
            return False
        return allowed is None or value in allowed

    return test


def _plain_string(value: Any) -> bool:
    return type(value) is str and len(value) <= _MAX_STRING


def _check(value: Any, schema: dict) -> str | None:
    if value is None and schema.get("nullable"):
        return None
    if "anyOf" in schema:
        if all(_check(value, s) for s in schema["anyOf"]):
            return f"must be one of {[s.get('type') for s in schema['anyOf']]}, got {_type_name(value)}"
        return None
    expected = schema.get("type")
    if expected:
        ok = isinstance(value, _PY_TYPES[expected]) and not (
            expected in ("integer", "number") and isinstance(value, bool)
        )
        if not ok:
            return f"must be {_article(expected)}, got {_type_name(value)} {_short(value)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"must be one of {schema['enum']}, got {_short(value)}"
    if isinstance(value, str) and len(value) > _MAX_STRING:
        return f"is too long ({len(value)} characters, at most {_MAX_STRING})"
    if expected == "array" and "items" in schema:
        for i, item in enumerate(value):
            problem = _check(item, schema["items"])
            if problem:
                return f"item {i} {problem}"
    return None


def _non_finite(value: Any) -> str | None:
    """Infinity and NaN are not numbers a tool can store: SQLite writes them as ``Inf`` and ``NaN``,
    which no JSON reader accepts."""
    if isinstance(value, float):
        return None if math.isfinite(value) else f"must be a finite number, got {value}"
    if not isinstance(value, (list, tuple, dict)):
        return None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return f"must not contain {item}"
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return None


def signature(tool: Tool) -> str:
    """``name(arg: type, opt?: type)``: a one-line reminder of how to call the tool."""
    props = tool.parameters.get("properties", {})
    required = set(tool.parameters.get("required", ()))
    parts = [f"{k}{'' if k in required else '?'}: {v.get('type', 'any')}" for k, v in props.items()]
    return f"Usage: {tool.name}({', '.join(parts)})"


def _type_name(value: Any) -> str:
    names = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _article(type_name: str) -> str:
    return f"an {type_name}" if type_name[0] in "aeiou" else f"a {type_name}"


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return f"<{_type_name(value)}>"
    return text if len(text) <= 60 else text[:57] + "..."
