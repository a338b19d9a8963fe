"""Tool-call parsers: a model's raw completion text -> an OpenAI-style assistant message.

Each model family writes tool calls its own way::

    hermes   <tool_call>{"name": "f", "arguments": {...}}</tool_call>      Qwen 2.5/3, Hermes, many fine-tunes
    llama3   {"name": "f", "parameters": {...}}  (optionally after <|python_tag|>; several split by ';')
    mistral  [TOOL_CALLS] [{"name": "f", "arguments": {...}}]

A parser is a function ``text -> message``. Register new ones with :func:`register_parser`;
:func:`parser_for` picks one from a chat template. A call that does not parse is left in
``content`` untouched, so the environment answers it with an error the model can read, instead of
the policy silently dropping it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

Parser = Callable[[str], dict]
PARSERS: dict[str, Parser] = {}

_THINK = re.compile(r"<think>(.*?)</think>\s*", re.S)


def register_parser(name: str) -> Callable[[Parser], Parser]:
    def add(fn: Parser) -> Parser:
        PARSERS[name] = fn
        return fn

    return add


def get_parser(name: str) -> Parser:
    if name not in PARSERS:
        raise KeyError(f"unknown tool-call parser {name!r}; known: {sorted(PARSERS)}")
    return PARSERS[name]


def parser_for(chat_template: str | None) -> str:
    """The parser name that matches a chat template's tool-call syntax (``hermes`` by default)."""
    template = chat_template or ""
    if "[TOOL_CALLS]" in template:
        return "mistral"
    if "<|python_tag|>" in template or ('"parameters"' in template and "<tool_call>" not in template):
        return "llama3"
    return "hermes"


def message(content: str, calls: list[dict] | None = None, reasoning: str | None = None) -> dict:
    msg: dict = {"role": "assistant", "content": content}
    if calls:
        msg["tool_calls"] = [{"type": "function", "function": call} for call in calls]
    if reasoning:
        msg["reasoning_content"] = reasoning
    return msg


def _split_thinking(text: str) -> tuple[str, str | None]:
    match = _THINK.search(text)
    if match is None:
        return text.strip(), None
    return (text[: match.start()] + text[match.end() :]).strip(), match.group(1).strip() or None


def _call(value: object, arguments_key: str = "arguments") -> dict | None:
    """``{"name": ..., "arguments": {...}}`` as a call, or None if it is not one."""
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    arguments = value.get(arguments_key, value.get("arguments", value.get("parameters", {})))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            return None
    return {"name": value["name"], "arguments": arguments} if isinstance(arguments, dict) else None


def _loads(text: str) -> object:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None


_HERMES = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)


@register_parser("hermes")
def parse_hermes(text: str) -> dict:
    content, reasoning = _split_thinking(text)
    if "<tool_call>" not in content:
        return message(content, reasoning=reasoning)
    calls = [_call(_loads(block)) for block in _HERMES.findall(content)]
    if not calls or any(c is None for c in calls):
        return message(content, reasoning=reasoning)  # the env reports the malformed call
    return message(_HERMES.sub("", content).strip(), calls, reasoning)


@register_parser("llama3")
def parse_llama3(text: str) -> dict:
    content, reasoning = _split_thinking(text)
    body = content.split("<|python_tag|>", 1)[1] if "<|python_tag|>" in content else content
    body = body.replace("<|eom_id|>", "").strip()
    if not body.startswith("{"):
        return message(content, reasoning=reasoning)
    calls = [_call(_loads(part.strip()), "parameters") for part in _split_top_level(body, ";")]
    if not calls or any(c is None for c in calls):
        return message(content, reasoning=reasoning)
    return message("", calls, reasoning)


@register_parser("mistral")
def parse_mistral(text: str) -> dict:
    content, reasoning = _split_thinking(text)
    if "[TOOL_CALLS]" not in content:
        return message(content, reasoning=reasoning)
    before, _, after = content.partition("[TOOL_CALLS]")
    value = _loads(after.strip())
    items = value if isinstance(value, list) else [value]
    calls = [_call(item) for item in items]
    if not calls or any(c is None for c in calls):
        return message(content, reasoning=reasoning)
    return message(before.strip(), calls, reasoning)


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside JSON strings and brackets."""
    parts, depth, start, in_string, escaped = [], 0, 0, False, False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]
