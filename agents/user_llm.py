"""An LLM user simulator: any policy backend writes the user's turns, guarded against known failures.

:class:`LLMUser` plays the user two ways:

- as a :class:`agentscaler_gym.users.User` (``start``/``respond``) in the single-agent env:
  ``gym.make("AgentScaler/retail-v0", user=LLMUser(policy))``;
- as the user agent's policy (``act``) in the PettingZoo views of :mod:`agentscaler_gym.multiagent`,
  where its device calls are actions the env runs.

Both ways run the same ``act`` on the same user-side transcript (roles flipped: the user's own turns
are ``assistant``, the agent's are ``user``; system message = :func:`~agentscaler_gym.user_rules.user_brief`),
so one policy gives one conversation either way.

Guards, checked on every reply with :func:`~agentscaler_gym.user_rules.check_user_reply`: an end
marker right after confirming, or while the agent waits for an answer (``early_stop``); ids, emails
or numbers found neither in the scenario nor in the conversation (``invented_fact``); most of the
instruction in one reply (``instruction_leak``); an empty reply; tool calls without a device. A
failing reply is asked again (up to ``max_retries``) with a note naming the broken rule; what still
fails is repaired where possible (an early end marker is dropped, so the conversation goes on; an
empty opening becomes the scenario's opening) and recorded in :attr:`LLMUser.errors` as
``{"turn", "kind", "detail"}``, which the env reports in ``info["user_errors"]``.

Episodes with an LLM user are as deterministic as the backend: greedy decoding repeats, sampling
does not. :func:`register_llm_user_env` registers such an env with ``nondeterministic=True``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from agentscaler_gym.actions import Turn, parse_action
from agentscaler_gym.seat import Seat
from agentscaler_gym.tasks import Task
from agentscaler_gym.user_rules import check_user_reply, facts, user_brief
from agentscaler_gym.users import END_TOKENS, STOP

NOTE = "[Note from the simulation, not from the agent] Your last message broke these rules: {rules}. Write it again."
RETRY_RULES = {
    "empty_reply": "say something to the agent",
    "early_stop": f"do not end with {STOP} yet: the agent has not finished",
    "invented_fact": "use only facts from your situation or from the conversation",
    "instruction_leak": "do not repeat your whole situation at once; one request at a time",
    "tool_without_device": "you have no tools; write a message",
    "unparsable_tool_call": "write a well-formed tool call or a plain message",
}
REPEAT = "Sorry, could you say that again?"


class LLMUser:
    """A simulated user written by ``policy`` (any :class:`agentscaler_gym.policy.Policy`).

    Args:
        policy: The backend; it gets the user-side transcript and the device tools, never the task.
        max_retries: How often a reply that breaks a rule is asked again.
        max_device_calls: Device-call rounds per turn; after that only a message is accepted.
        scripted_opening: Open with the scenario's opening verbatim instead of a generated one.
        brief: ``brief(task, has_device) -> str``, the system prompt.
    """

    def __init__(
        self,
        policy: Any,
        *,
        max_retries: int = 2,
        max_device_calls: int = 4,
        scripted_opening: bool = False,
        brief: Callable[[Task, bool], str] = user_brief,
    ):
        self.policy = policy
        self.max_retries = max_retries
        self.max_device_calls = max_device_calls
        self.scripted_opening = scripted_opening
        self.brief = brief
        self.errors: list[dict] = []
        self.messages: list[dict] = []  # the user-side transcript of the single-agent episode
        self.task: Task | None = None
        self.device: Seat | None = None

    # -- users.User: the single-agent env ---------------------------------------------------------

    def start(self, task: Task, device: Seat | None = None, seed: int | None = None) -> str:
        self.task, self.device, self.errors = task, device, []
        self.messages = [{"role": "system", "content": self.brief(task, device is not None)}]
        return self._speak()

    def respond(self, message: str) -> str:
        self.messages.append({"role": "user", "content": message})
        return self._speak()

    def _speak(self) -> str:
        """Act until the user says something, running its device calls on the way (as the env would)."""
        tools = self.device.schemas if self.device is not None else []
        while True:
            turn = parse_action(self.act(self.messages, tools, self.task))
            if not (turn.tool_calls or turn.errors):
                self.messages.append({"role": "assistant", "content": turn.content})
                return turn.content
            self.messages.append(turn.message())
            self.messages += [
                {"role": "tool", "name": "invalid_tool_call", "content": f"Error: {e}"} for e in turn.errors
            ]
            self.messages += [
                {"role": "tool", "name": c.name, "content": self.device.call(c.name, c.arguments).text}
                for c in turn.tool_calls
            ]

    # -- the user agent's policy: the multi-agent env ---------------------------------------------

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Task | None = None) -> dict:
        """The user's next action on a user-side transcript: a message, or device calls."""
        task = task or self.task
        if task is None:
            raise ValueError("LLMUser needs the task it plays: pass task=env.task")
        if not any(m["role"] == "assistant" for m in messages):
            self.task, self.errors = task, []  # a new episode
            if self.scripted_opening:
                return {"role": "assistant", "content": task.scenario.opening}
        turn_index = sum(m["role"] == "user" for m in messages)
        answering = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        heard = set().union(*(facts(m.get("content") or "") for m in messages if m["role"] != "system"))
        view = [
            {"role": "system", "content": self.brief(task, bool(tools))},
            *(m for m in messages if m["role"] != "system"),
        ]
        if _device_rounds(messages) >= self.max_device_calls:
            tools = []  # enough device calls this turn: now a message
        for attempt in range(self.max_retries + 1):
            raw = self.policy.act(view, list(tools))
            turn = parse_action(raw)
            content = _plain(turn.content)
            if tools and turn.tool_calls and not turn.errors:
                return Turn(content, turn.tool_calls).message()
            problems = check_user_reply(content, task.scenario, answering, heard)
            if turn.tool_calls:
                problems.insert(
                    0,
                    (
                        "tool_without_device",
                        f"called {', '.join(c.name for c in turn.tool_calls)} without device tools",
                    ),
                )
            if turn.errors:
                problems.insert(0, ("unparsable_tool_call", "; ".join(turn.errors)))
            if not problems:
                return {"role": "assistant", "content": content}
            if attempt < self.max_retries:
                rules = "; ".join(dict.fromkeys(RETRY_RULES[kind] for kind, _ in problems))
                view = [
                    *view,
                    {"role": "assistant", "content": _text(raw)},
                    {"role": "user", "content": NOTE.format(rules=rules)},
                ]
        return {"role": "assistant", "content": self._repair(content, problems, task, answering, turn_index)}

    def _repair(
        self, content: str, problems: list[tuple[str, str]], task: Task, answering: str, turn_index: int
    ) -> str:
        kinds = {kind for kind, _ in problems}
        if "early_stop" in kinds:
            for token in END_TOKENS:
                content = content.replace(token, "")
            content = content.strip()
        if not content.strip():
            content = REPEAT if answering else task.scenario.opening
        for kind, detail in problems:
            self.errors.append({"turn": turn_index, "kind": kind, "detail": detail})
        return content


def _device_rounds(messages: Sequence[dict]) -> int:
    """The user's device-call turns since the agent last spoke."""
    rounds = 0
    for m in reversed(messages):
        if m["role"] == "user":
            break
        rounds += m["role"] == "assistant" and bool(m.get("tool_calls"))
    return rounds


def _plain(content: str) -> str:
    """``content`` if it reads back as a message; ``""`` if it would read back as tool calls."""
    turn = parse_action(content)
    return content if not (turn.tool_calls or turn.errors) else ""


def _text(message: Any) -> str:
    if isinstance(message, dict):
        return message.get("content") or ""
    return message if isinstance(message, str) else ""


# -- registration ---------------------------------------------------------------------------------


def register_llm_user_env(env_id: str, make_user: Callable[[], Any], new_id: str | None = None) -> str:
    """Register a copy of ``env_id`` whose user is ``make_user()`` (fresh per env), flagged
    ``nondeterministic=True``; return the new id (default ``AgentScaler/<name>-llmuser-v0``)."""
    import gymnasium as gym

    spec = gym.spec(env_id)
    new_id = new_id or f"{spec.namespace}/{spec.name}-llmuser-v{spec.version}"
    gym.registry.pop(new_id, None)
    gym.register(
        id=new_id,
        entry_point=functools.partial(_make_env, make_user),
        kwargs={k: v for k, v in spec.kwargs.items() if k != "user"},
        nondeterministic=True,
        max_episode_steps=spec.max_episode_steps,
    )
    return new_id


def _make_env(make_user: Callable[[], Any], **kwargs: Any):
    from agentscaler_gym.registry import make_env

    return make_env(user=make_user(), **kwargs)
