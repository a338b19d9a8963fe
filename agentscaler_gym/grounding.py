"""Where a demonstration's facts come from: grounding, consent and questions in a conversation.

A tool-call argument value is *grounded* when it appeared earlier in the same conversation where
the assistant may take it from:

- a user message or a tool answer (word-bounded, case-insensitive; a number also as ``12.0`` or
  ``12.00``);
- the system policy (a constant the policy states, such as a cancellation reason);
- a message of the assistant that the user then agreed to (a total price it proposed);
- the tool's schema: booleans and members of the parameter's ``enum``;
- arithmetic on numbers seen earlier: the sum or product of two of them.

An ungrounded value in a demonstration teaches a model to invent facts, so the SFT filters drop
such episodes (:func:`train.filters.grounding_problem`), the demonstrator asks for what it lacks, and ``benchmarks/data_quality.py``
reports the share. Hand-written (no library matches values against a chat transcript).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_AGREE = re.compile(
    r"\b(yes|yeah|yep|sure|please do|go ahead|do it|that's right|that is right|correct|confirm(ed)?|"
    r"sounds good|that works|ok(ay)?|please proceed|proceed)\b",
    re.IGNORECASE,
)
_DISAGREE = re.compile(r"^\W*(no|nope|not|don't|do not|wait)\b", re.IGNORECASE)
MAX_PAIRWISE = 400  # numbers seen; beyond this, sums and products are not tried (quadratic)


def asks(text: str) -> bool:
    """True if an assistant message asks the user something."""
    return "?" in text


def agrees(text: str) -> bool:
    """True if a user message agrees to what was proposed (an explicit yes, not a no)."""
    return bool(_AGREE.search(text)) and not _DISAGREE.search(text)


def leaf_values(value: Any) -> Iterator[Any]:
    """The scalar values inside an argument (list items and mapping values, recursively)."""
    if isinstance(value, Mapping):
        for v in value.values():
            yield from leaf_values(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from leaf_values(v)
    else:
        yield value


def numbers_in(text: str) -> set[float]:
    return {float(m) for m in _NUMBER.findall(text.replace(",", ""))}


class Evidence:
    """What the assistant has seen so far: text to search, and the numbers in it."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.numbers: set[float] = set()
        self._derived: set[float] | None = None

    def add(self, text: str) -> None:
        self.text.append(text.lower())
        self.numbers |= numbers_in(text)
        self._derived = None

    def holds(self, value: Any, schema: dict | None = None) -> bool:
        schema = schema or {}
        if isinstance(value, bool) or value is None:
            return True
        if value in (schema.get("enum") or ()) or value in ((schema.get("items") or {}).get("enum") or ()):
            return True
        if isinstance(value, (int, float)):
            return self._holds_number(float(value))
        text = str(value).strip().lower()
        if not text:
            return True
        pattern = re.compile(rf"(?<![\w]){re.escape(text)}(?![\w])") if text[0].isalnum() else None
        if any(pattern.search(t) if pattern else text in t for t in self.text):
            return True
        try:
            return self._holds_number(float(text))
        except ValueError:
            return False

    def _holds_number(self, number: float) -> bool:
        if any(abs(number - n) < 1e-6 for n in self.numbers):
            return True
        if self._derived is None:
            seen = sorted(self.numbers)[:MAX_PAIRWISE]
            self._derived = {round(a + b, 6) for a in seen for b in seen} | {
                round(a * b, 6) for a in seen for b in seen
            }
        return round(number, 6) in self._derived


@dataclass(frozen=True)
class Value:
    """One argument value of one call, and whether it was grounded."""

    tool: str
    argument: str
    value: Any
    grounded: bool


def argument_values(messages: Sequence[dict], tools: Sequence[dict] = ()) -> list[Value]:
    """Every argument value of every assistant tool call, in order, each marked grounded or not."""
    schemas = {s["function"]["name"]: s["function"].get("parameters", {}) for s in tools}
    evidence, values = Evidence(), []
    proposal: str | None = None
    for message in messages:
        role, content = message.get("role"), message.get("content") or ""
        if role in ("system", "tool"):
            evidence.add(content)
        elif role == "user":
            evidence.add(content)
            if proposal is not None and agrees(content):
                evidence.add(proposal)
            proposal = None
        elif role == "assistant":
            proposal = content or None
            for call in message.get("tool_calls") or ():
                function = call.get("function", call)
                arguments = function.get("arguments") or {}
                if isinstance(arguments, str):
                    try:
                        arguments = json.loads(arguments)
                    except json.JSONDecodeError:
                        arguments = {}
                properties = schemas.get(function.get("name"), {}).get("properties", {})
                for name, value in arguments.items() if isinstance(arguments, dict) else ():
                    for leaf in leaf_values(value):
                        grounded = evidence.holds(leaf, properties.get(name))
                        values.append(Value(function.get("name"), name, leaf, grounded))
    return values


def confirmed_writes(messages: Sequence[dict], writes: set[str]) -> tuple[int, int]:
    """``(confirmed, total)`` write calls: a write is confirmed when, since the previous write, an
    assistant question stated the action (named a word of the tool or one of its argument values)
    and the next user message agreed."""
    confirmed = total = 0
    agreed: list[str] = []  # questions the user said yes to since the last write
    question: str | None = None
    for message in messages:
        role, content = message.get("role"), message.get("content") or ""
        if role == "assistant":
            question = content.lower() if asks(content) else None
            for call in message.get("tool_calls") or ():
                function = call.get("function", call)
                if function.get("name") not in writes:
                    continue
                total += 1
                confirmed += any(_states(q, function) for q in agreed)
                agreed = []
        elif role == "user":
            if question is not None and agrees(content):
                agreed.append(question)
            question = None
    return confirmed, total


_VAGUE = {"get", "the", "and", "pending", "delivered", "order", "items", "item", "user", "to", "of", "for", "by"}


def _states(question: str, function: dict) -> bool:
    words = set(str(function.get("name", "")).split("_")) - _VAGUE
    if any(re.search(rf"\b{re.escape(w[:5])}", question) for w in words if len(w) > 2):
        return True
    arguments = function.get("arguments") or {}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return False
    leaves = [str(v).lower() for v in leaf_values(arguments) if not isinstance(v, bool)]
    return any(len(v) > 2 and v in question for v in leaves)
