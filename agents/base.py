"""The policy interface: messages and tool schemas in, one assistant turn out."""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable


@runtime_checkable
class Policy(Protocol):
    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        """Return one OpenAI-style assistant message (``content`` and optional ``tool_calls``).

        ``task`` is the episode's :class:`~agentscaler_gym.Task`; only privileged policies (the
        oracle) look at it.
        """
