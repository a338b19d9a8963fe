"""Policies that need no model: the oracle (plays the gold calls), random, and no-op."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from typing import Any

from agentscaler_gym.tasks import oracle_turns


class OraclePolicy:
    """Plays the task's gold calls in order, then a closing message with the required outputs."""

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        if task is None:
            raise ValueError("the oracle policy needs the task")
        turns = oracle_turns(task)
        done = sum(1 for m in messages if m["role"] == "assistant")
        return turns[min(done, len(turns) - 1)]


class NoopPolicy:
    """Does nothing: says goodbye. Scores 0 on every task that needs a change."""

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        return {"role": "assistant", "content": "Goodbye."}


class RandomPolicy:
    """Calls a random tool with arguments drawn from its schema, or says something random."""

    def __init__(self, seed: int = 0, p_message: float = 0.1):
        self.rng = random.Random(seed)
        self.p_message = p_message

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        if not tools or self.rng.random() < self.p_message:
            return {"role": "assistant", "content": self._string()}
        fn = self.rng.choice(list(tools))["function"]
        props = fn["parameters"].get("properties", {})
        arguments = {k: self._value(v) for k, v in props.items()}
        return {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"type": "function", "function": {"name": fn["name"], "arguments": arguments}}],
        }

    def _value(self, schema: dict) -> Any:
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        kind = schema.get("type")
        if kind == "integer":
            return self.rng.randint(0, 1000)
        if kind == "number":
            return round(self.rng.uniform(0, 1000), 2)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "array":
            return [self._value(schema.get("items", {"type": "string"})) for _ in range(self.rng.randint(0, 2))]
        if kind == "object":
            return {}
        return self._string()

    def _string(self) -> str:
        return "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(self.rng.randint(1, 12)))
