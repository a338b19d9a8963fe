"""Actions: an agent turn, as text or as a message, to tool calls and a reply.

Accepted, in this order:

1. an OpenAI-style assistant message (a dict, or its JSON text) with ``content`` and ``tool_calls``;
2. Hermes/Qwen ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks (several are
   parallel calls; text outside them is said to the user);
3. a bare JSON call ``{"name": ..., "arguments": ...}`` or a JSON list of them;
4. call syntax ``tool_name(arg="value", n=2)``, or a list of such calls, with literal arguments;
5. anything else: a message to the user.

``<think>...</think>`` blocks are dropped. A call that cannot be parsed becomes an entry of
:attr:`Turn.errors`; parsing never raises. Arguments must be JSON values (strings, numbers,
booleans, null, arrays, objects with string keys, at most :data:`MAX_DEPTH` deep), so a call that
is kept can always be written out as JSON: a set, bytes, a complex number or an integer too long
to print in decimal is an error, not a call.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .tasks import ASSISTANT, ToolCall

_THINK = re.compile(r"<think>.*?(</think>|$)", re.S)
_OPEN, _CLOSE = "<tool_call>", "</tool_call>"
_OPEN_LEN, _CLOSE_LEN = len(_OPEN), len(_CLOSE)
_CALL_SYNTAX = re.compile(r"^\[?\s*[A-Za-z_]\w*\(.*\)\s*\]?$", re.S)
_UNPARSABLE = (ValueError, RecursionError)  # json's errors, and ints past Python's digit limit
MAX_DEPTH = 32
_SCALARS = (str, bool, float)
# The C scanner behind json's raw_decode, called without raw_decode's Python frame (orjson would read
# an integer past 64 bits as a float). It raises StopIteration where no value starts.
_SCAN = json.JSONDecoder().scan_once


@dataclass
class Turn:
    """A parsed agent turn."""

    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def message(self) -> dict:
        """The turn as an OpenAI-style assistant message (arguments as dicts)."""
        msg: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            calls = msg["tool_calls"] = []
            for c in self.tool_calls:  # a loop, not a comprehension: no frame of its own (Python 3.11)
                calls.append({"type": "function", "function": {"name": c.name, "arguments": dict(c.arguments)}})
        return msg


def parse_action(action: Any) -> Turn:
    """Parse one agent turn. Never raises."""
    if not isinstance(action, str):
        if isinstance(action, Mapping):
            return _from_message(action)
        return Turn(errors=[f"an action must be text or an assistant message, got {type(action).__name__}"])
    text = _THINK.sub("", action).strip() if "<think>" in action else action.strip()
    if text.startswith(_OPEN) and text.find(_CLOSE) == len(text) - _CLOSE_LEN:  # the one </tool_call> ends it
        # the common shape, one call and nothing else, as the general case below reads it
        block = text[_OPEN_LEN:-_CLOSE_LEN].strip()
        call = _plain_call(block)
        if call is not None:
            return Turn("", [call], [])
        turn = Turn()
        _add_json_call(turn, block)
        return turn
    if _OPEN in text:
        parts = _split_blocks(text)  # text, block, text, block, ..., text
        turn = Turn(content="".join(parts[::2]).strip())
        for block in parts[1::2]:
            _add_json_call(turn, block.strip())
        return turn
    if text.startswith(("{", "[{")) or (text.startswith("[") and text.endswith("]")):
        try:
            value = json.loads(text)
        except _UNPARSABLE as exc:
            if text[:1] == "[" and _CALL_SYNTAX.match(text):
                return _from_call_syntax(text)
            return Turn(errors=[f"could not parse the JSON tool call: {exc}"])
        if isinstance(value, dict) and ("tool_calls" in value or value.get("role") == "assistant"):
            return _from_message(value)
        turn, shallow = Turn(), _shallow(text)
        for item in value if isinstance(value, list) else [value]:
            _add_call(turn, item, shallow)
        return turn
    if _CALL_SYNTAX.match(text):
        return _from_call_syntax(text)
    return Turn(content=text)


def _split_blocks(text: str) -> list[str]:
    """``text`` cut around ``<tool_call>`` blocks, as ``re.split`` with a group would cut it: text,
    block, text, ..., text. A block runs to its closing tag or to the end. (``str.find`` does in a
    fraction of a microsecond what the regular expression takes over a microsecond for.)"""
    parts, pos = [], 0
    while (start := text.find(_OPEN, pos)) != -1:
        parts.append(text[pos:start])
        start += len(_OPEN)
        end = text.find(_CLOSE, start)
        if end == -1:
            parts.append(text[start:])
            return [*parts, ""]
        parts.append(text[start:end])
        pos = end + len(_CLOSE)
    parts.append(text[pos:])
    return parts


def _from_message(msg: Mapping) -> Turn:
    content = msg.get("content") or ""
    turn = parse_action(content) if isinstance(content, str) else Turn(errors=["message content must be text"])
    calls = msg.get("tool_calls") or []
    if not isinstance(calls, list):
        turn.errors.append("tool_calls must be a list")
        return turn
    for call in calls:
        _add_call(turn, call.get("function", call) if isinstance(call, Mapping) else call)
    return turn


def _plain_call(text: str) -> ToolCall | None:
    """The call ``text`` holds if it has the usual shape, ``{"name": "...", "arguments": {...}}``
    with values nested at most a few levels; None for anything else (read the long way, which says
    what is wrong). The same call as the long way, without its checks for rarer shapes."""
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return None
    if end != len(text) or type(value) is not dict:
        return None
    name, arguments = value.get("name"), value.get("arguments")
    if type(name) is str and name and type(arguments) is dict and _shallow(text):
        return tuple.__new__(ToolCall, (name, arguments, ASSISTANT))  # ToolCall(...) without its Python __new__
    return None


def _add_json_call(turn: Turn, text: str) -> None:
    try:
        value = json.loads(text)
    except _UNPARSABLE as exc:
        turn.errors.append(f"could not parse the tool call JSON {_clip(text)}: {_clip(str(exc), 200)}")
        return
    _add_call(turn, value, _shallow(text))


def _shallow(text: str) -> bool:
    """JSON ``text`` with at most :data:`MAX_DEPTH` brackets, none of its values nested too deep.
    Whatever ``json`` decodes is otherwise a JSON value (it refuses integers too long to print), so
    the values of such a call need no walk."""
    return text.count("{") + text.count("[") <= MAX_DEPTH


def _add_call(turn: Turn, value: Any, shallow: bool = False) -> None:
    if not isinstance(value, (dict, Mapping)):
        turn.errors.append(f"a tool call must be a JSON object with 'name' and 'arguments', got {_clip(value)}")
        return
    name = value.get("name")
    arguments = value["arguments"] if "arguments" in value else value.get("parameters", {})
    if isinstance(arguments, str):
        try:
            arguments, shallow = (json.loads(arguments), _shallow(arguments)) if arguments.strip() else ({}, True)
        except _UNPARSABLE as exc:
            turn.errors.append(f"the arguments of {_clip(name)} are not valid JSON: {_clip(str(exc), 200)}")
            return
    if not isinstance(name, str) or not name:
        turn.errors.append(f"a tool call needs a 'name' string, got {_clip(value)}")
    elif not isinstance(arguments, (dict, Mapping)):
        turn.errors.append(f"the arguments of {name} must be a JSON object, got {_clip(arguments)}")
    elif shallow and type(arguments) is dict:
        turn.tool_calls.append(ToolCall(name, arguments))
    else:
        _add_checked(turn, name, dict(arguments))


def _from_call_syntax(text: str) -> Turn:
    turn = Turn()
    try:
        tree = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return Turn(errors=[f"could not parse the call {_clip(text)}: {exc}"]) if "(" in text else Turn(content=text)
    for node in tree.elts if isinstance(tree, ast.List) else [tree]:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            turn.errors.append(f"expected tool_name(arg=value), got {_clip(_source(node))}")
        elif node.args:
            turn.errors.append(f"{node.func.id}: pass arguments by name, as {node.func.id}(name=value)")
        else:
            try:
                arguments = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            except (ValueError, SyntaxError, RecursionError, MemoryError) as exc:
                turn.errors.append(f"{node.func.id}: arguments must be literal values ({_clip(str(exc), 200)})")
                continue
            _add_checked(turn, node.func.id, arguments)
    return turn


def _add_checked(turn: Turn, name: str, arguments: dict) -> None:
    problem = _not_json(arguments, MAX_DEPTH)
    if problem:
        turn.errors.append(f"the arguments of {_clip(name)} must be JSON values: {problem}")
    else:
        turn.tool_calls.append(ToolCall(name, arguments))


def _not_json(value: Any, depth: int) -> str | None:
    """What keeps ``value`` from being a JSON value, or None."""
    if value is None or isinstance(value, _SCALARS):
        return None
    if isinstance(value, int):
        return f"an integer of more than {sys.get_int_max_str_digits()} digits" if _too_long(value) else None
    if not isinstance(value, (list, tuple, dict)):
        return f"{type(value).__name__} is not a JSON type"
    if depth == 0:
        return f"nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return "object keys must be strings"
        value = value.values()
    for item in value:
        if item is not None and not isinstance(item, _SCALARS):
            problem = _not_json(item, depth - 1)
            if problem:
                return problem
    return None


def _too_long(value: int) -> bool:
    """An integer Python refuses to print in decimal (``sys.set_int_max_str_digits``)."""
    if value.bit_length() < 64:
        return False
    try:
        int.__repr__(value)
    except ValueError:
        return True
    return False


def _source(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):  # a literal too long to print, or too deep
        return f"<{type(node).__name__.lower()}>"


def _clip(value: Any, limit: int = 80) -> str:
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:  # an integer too long to print
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
