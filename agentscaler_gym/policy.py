"""The policy protocol: messages and tool schemas in, one assistant turn out.

A policy needs one method, ``act``. Two optional attributes let the rollout engine drive it
faster:

- ``act_batch(requests)``: one call for the pending turns of many episodes (a model that
  generates a left-padded batch). :class:`BatchPolicy` derives ``act`` from it.
- ``max_concurrency``: how many ``act`` calls may run at once in threads (an HTTP client).

A returned message may carry ``usage`` (``prompt_tokens``, ``completion_tokens``, ``latency_s``,
``cost``); the rollout engine moves it out of the message into the trajectory's token counts.

Where a policy must be built where it runs (a model loaded on each Ray worker), the engine takes
a *policy factory* instead: any picklable callable with no arguments that returns a policy, such
as ``functools.partial(agents.make_policy, "hf:./ckpt")``. The policies themselves live in the
``agents`` package.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def build_policy(policy: Policy | Callable[[], Policy]) -> Policy:
    """``policy`` itself, or the policy a factory returns; anything else is a ``TypeError``."""
    if not isinstance(policy, type) and (hasattr(policy, "act") or hasattr(policy, "act_batch")):
        return policy
    if callable(policy):
        return build_policy(policy())
    hint = " (build it with agents.make_policy)" if isinstance(policy, str) else ""
    raise TypeError(f"not a policy or a policy factory: {policy!r}{hint}")


def policy_name(policy: Any) -> str:
    """What a trajectory records as its policy: the policy's ``name``, else its class name."""
    return getattr(policy, "name", None) or type(policy).__name__
