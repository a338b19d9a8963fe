"""One episode driven call by call: what every integration that exposes the env as tools shares.

TRL's ``environment_factory``, the MCP server and the verifiers environment all turn an episode into
function calls: each domain tool call is one assistant turn with one call, and the model talks to the
simulated user through one more tool, :data:`USER_TOOL`. This module holds that contract once, over
the env's public API only (``reset``/``step``, ``verification``), so every integration answers the
same call with the same text.
"""

from __future__ import annotations

from typing import Any

USER_TOOL = "send_message_to_user"
USER_TOOL_DESCRIPTION = (
    "Send a message to the user and return their reply. Use it to ask for information, to confirm "
    "an action, or to tell the user the outcome."
)
USER_TOOL_ARGUMENT = "What to say to the user."
USER_TOOL_SCHEMA = {
    "type": "function",
    "function": {
        "name": USER_TOOL,
        "description": USER_TOOL_DESCRIPTION,
        "parameters": {
            "type": "object",
            "properties": {"message": {"type": "string", "description": USER_TOOL_ARGUMENT}},
            "required": ["message"],
        },
    },
}
ERROR_PREFIX = "Error: "  # how the env answers a call that failed (and changed nothing)


def make_env(env_id: str, **env_kwargs: Any):
    """A fresh :class:`~agentscaler_gym.ToolUseEnv` for ``env_id`` (registry arguments, no wrappers)."""
    import gymnasium as gym

    import agentscaler_gym  # noqa: F401 - registers the built-in ids

    return gym.make(env_id, disable_env_checker=True, **env_kwargs).unwrapped


def call_tool(env, name: str, arguments: Any) -> tuple[str, bool]:
    """Run one tool call as one assistant turn: ``(observation, episode ended)``."""
    call = {"type": "function", "function": {"name": name, "arguments": arguments}}
    observation, _, terminated, truncated, _ = env.step({"role": "assistant", "content": "", "tool_calls": [call]})
    return observation, terminated or truncated


def say(env, message: str) -> tuple[str, bool]:
    """Send ``message`` to the simulated user as one assistant turn: ``(reply, episode ended)``."""
    observation, _, terminated, truncated, _ = env.step({"role": "assistant", "content": message})
    return observation, terminated or truncated


def verification(env) -> dict:
    """Every verification component of the episode as it ended, or as it stands if it goes on."""
    return (env.verification or env.verify()).to_dict()


def is_error(observation: str) -> bool:
    """Whether a tool answer is the env's error text (the call failed and changed nothing)."""
    return observation.startswith(ERROR_PREFIX)


def missing_extra(extra: str, module: str) -> ImportError:
    """The error raised when an integration's optional dependency is not installed."""
    return ImportError(
        f"{module} needs the '{extra}' extra: pip install \"agentscaler-gym[{extra}]\" (or pip install {extra})"
    )
