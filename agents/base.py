"""The policy interface: messages and tool schemas in, one assistant turn out.

A policy needs one method, ``act``. Two optional attributes let the rollout engine drive it
faster:

- ``act_batch(requests)``: one call for the pending turns of many episodes (a model that
  generates a left-padded batch). :class:`BatchPolicy` derives ``act`` from it.
- ``max_concurrency``: how many ``act`` calls may run at once in threads (an HTTP client).

A returned message may carry ``usage`` (``prompt_tokens``, ``completion_tokens``, ``latency_s``,
``cost``); the rollout engine moves it out of the message into the trajectory's token counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Policy(Protocol):
    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        """Return one OpenAI-style assistant message (``content`` and optional ``tool_calls``).

        ``task`` is the episode's :class:`~agentscaler_gym.Task`; only privileged policies (the
        oracle) look at it.
        """


@dataclass(frozen=True)
class Request:
    """One pending assistant turn."""

    messages: Sequence[dict]
    tools: Sequence[dict]
    task: Any = None


class BatchPolicy:
    """Base for policies that answer many turns at once: implement ``act_batch``."""

    def act_batch(self, requests: Sequence[Request]) -> list[dict]:
        raise NotImplementedError

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        return self.act_batch([Request(messages, tools, task)])[0]


def act_batch(policy: Policy, requests: Sequence[Request]) -> list[dict]:
    """Answer every request with ``policy.act_batch`` if it has one, else one ``act`` at a time."""
    if hasattr(policy, "act_batch"):
        return list(policy.act_batch(requests))
    return [policy.act(r.messages, r.tools, task=r.task) for r in requests]
