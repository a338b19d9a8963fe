"""Actions: an agent turn, as text or as a message, to tool calls and a reply.

Accepted, in this order:

1. an OpenAI-style assistant message (a dict, or its JSON text) with ``content`` and ``tool_calls``;
2. Hermes/Qwen ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks (several are
   parallel calls; text outside them is said to the user);
3. a bare JSON call ``{"name": ..., "arguments": ...}`` or a JSON list of them;
4. call syntax ``tool_name(arg="value", n=2)``, or a list of such calls, with literal arguments;
5. anything else: a message to the user.

``<think>...</think>`` blocks are dropped. A call that cannot be parsed becomes an entry of
:attr:`Turn.errors`; parsing never raises.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .tasks import ToolCall

_THINK = re.compile(r"<think>.*?(</think>|$)", re.S)
_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)
_CALL_SYNTAX = re.compile(r"^\[?\s*[A-Za-z_]\w*\(.*\)\s*\]?$", re.S)


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
            msg["tool_calls"] = [
                {"type": "function", "function": {"name": c.name, "arguments": dict(c.arguments)}}
                for c in self.tool_calls
            ]
        return msg


def parse_action(action: Any) -> Turn:
    """Parse one agent turn. Never raises."""
    if isinstance(action, Mapping):
        return _from_message(action)
    if not isinstance(action, str):
        return Turn(errors=[f"an action must be text or an assistant message, got {type(action).__name__}"])
    text = _THINK.sub("", action).strip() if "<think>" in action else action.strip()
    if "<tool_call>" in text:
        turn = Turn(content=_TOOL_CALL.sub("", text).strip())
        for block in _TOOL_CALL.findall(text):
            _add_json_call(turn, block.strip())
        return turn
    if text.startswith(("{", "[{")) or (text.startswith("[") and text.endswith("]")):
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            if text[:1] == "[" and _CALL_SYNTAX.match(text):
                return _from_call_syntax(text)
            return Turn(errors=[f"could not parse the JSON tool call: {exc}"])
        if isinstance(value, dict) and ("tool_calls" in value or value.get("role") == "assistant"):
            return _from_message(value)
        turn = Turn()
        for item in value if isinstance(value, list) else [value]:
            _add_call(turn, item)
        return turn
    if _CALL_SYNTAX.match(text):
        return _from_call_syntax(text)
    return Turn(content=text)


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


def _add_json_call(turn: Turn, text: str) -> None:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        turn.errors.append(f"could not parse the tool call JSON {_clip(text)}: {exc}")
        return
    _add_call(turn, value)


def _add_call(turn: Turn, value: Any) -> None:
    if not isinstance(value, Mapping):
        turn.errors.append(f"a tool call must be a JSON object with 'name' and 'arguments', got {_clip(value)}")
        return
    name, arguments = value.get("name"), value.get("arguments", value.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except (json.JSONDecodeError, RecursionError) as exc:
            turn.errors.append(f"the arguments of {_clip(name)} are not valid JSON: {exc}")
            return
    if not isinstance(name, str) or not name:
        turn.errors.append(f"a tool call needs a 'name' string, got {_clip(value)}")
    elif not isinstance(arguments, Mapping):
        turn.errors.append(f"the arguments of {name} must be a JSON object, got {_clip(arguments)}")
    else:
        turn.tool_calls.append(ToolCall(name, dict(arguments)))


def _from_call_syntax(text: str) -> Turn:
    turn = Turn()
    try:
        tree = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return Turn(errors=[f"could not parse the call {_clip(text)}: {exc}"]) if "(" in text else Turn(content=text)
    for node in tree.elts if isinstance(tree, ast.List) else [tree]:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            turn.errors.append(f"expected tool_name(arg=value), got {_clip(ast.unparse(node))}")
        elif node.args:
            turn.errors.append(f"{node.func.id}: pass arguments by name, as {node.func.id}(name=value)")
        else:
            try:
                arguments = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            except (ValueError, SyntaxError, RecursionError) as exc:
                turn.errors.append(f"{node.func.id}: arguments must be literal values ({exc})")
                continue
            turn.tool_calls.append(ToolCall(node.func.id, arguments))
    return turn


def _clip(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
