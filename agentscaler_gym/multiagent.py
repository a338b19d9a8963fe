"""PettingZoo views of a tool-use env: the assistant and the simulated user as two agents.

Where it sits: beside ``env.py`` in the flow (domain -> task -> **episode** -> verification). A view
drives one :class:`~agentscaler_gym.env.ToolUseEnv` through its turn halves: the assistant agent's
actions go to ``assistant_turn``, the user agent's opening and replies to ``user_turn``. So
termination, verification and the assistant's reward are the single-agent env's, by the same code.
An episode (AEC order; the user speaks first)::

    user ──opening──▶ assistant ──tool calls──▶ assistant (tool results) ──message──▶ user
    user ──device calls──▶ user (device results) ──reply──▶ assistant ──...──▶ ###STOP### ends it

- ``"assistant"`` observes the user's messages and its tool results, and acts as in the
  single-agent env (text, ``<tool_call>`` blocks, JSON, call syntax, an assistant message dict).
- ``"user"`` observes the assistant's messages and its device results (dual control), and acts
  with a reply or, in the same formats, calls to its device tools. Its brief
  (:func:`~agentscaler_gym.user_rules.user_brief`) is in its observation from reset on.
- Observations are ``Dict(message=UnicodeText, instructions=UnicodeText)``: the newest text the
  agent received, and its standing instructions (the domain policy, or the user's brief).
- ``infos[agent]``: ``task_id``, ``tools`` (the device's for the user), ``messages`` (the agent's
  transcript, grown in place; the user's has roles flipped), ``to_act``, the user's ``scenario``;
  at the end ``verification``, ``user_errors`` and ``fidelity``.
- Rewards: the assistant's is the single-agent reward; the user's is ``user_reward=``: ``"shared"``,
  ``"zero"``, or ``"fidelity"`` (the share of :data:`~agentscaler_gym.user_rules.FIDELITY_CHECKS` it kept).

Factories: ``env(env_id, **kw)`` (AEC), ``parallel_env(env_id, **kw)``, ``available()``.
:class:`UserPolicy` makes any :class:`~agentscaler_gym.users.User` the user agent's policy;
:func:`agentscaler_gym.rollout.play` plays an episode with two policies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gymnasium as gym
from gymnasium import spaces
from pettingzoo import AECEnv, ParallelEnv

from .actions import Turn, parse_action
from .env import MAX_CALLS_PER_TURN, MAX_TEXT, ToolUseEnv, UnicodeText, tool_observation
from .registry import ENTRY_POINT, NAMESPACE, load_domain
from .seat import Answer, Seat
from .tasks import ASSISTANT, USER, Task, ToolCall
from .user_rules import check_user_reply, facts, fidelity, user_brief
from .users import User

AGENTS = (ASSISTANT, USER)
USER_REWARDS = ("shared", "zero", "fidelity")
MAX_ACTION = 16_384  # declared action bound (longer text is still accepted); samplers draw up to this length


class _LoggedDevice:
    """The user's device as the view hands it out (``env.device``): a direct call, as a :class:`User`
    behind :class:`UserPolicy` makes, lands in the user's transcript like a device-call action."""

    def __init__(self, device: Seat, log: Callable[[Turn, list], None]):
        self._device, self._log = device, log

    def __getattr__(self, name: str) -> Any:  # tools, schemas, calls: the device's own
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._device, name)

    def call(self, name: str, arguments: Mapping) -> Answer:
        answer = self._device.call(name, arguments)
        self._log(Turn(tool_calls=[ToolCall(name, dict(arguments))]), [(name, answer.text)])
        return answer


class UserPolicy:
    """The user agent's policy made from a :class:`~agentscaler_gym.users.User` (e.g. ``ScriptedUser``).

    It starts the user on the first turn and answers the assistant's latest message after that.
    Pass ``device=env.device`` in dual-control domains: the user then runs its device directly, and
    the calls still land in the user agent's transcript.
    """

    def __init__(self, user: User, device: Seat | None = None):
        self.user, self.device = user, device

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        if not any(m["role"] == "assistant" for m in messages):
            return {"role": "assistant", "content": self.user.start(task, self.device, None)}
        last = next(m["content"] for m in reversed(messages) if m["role"] == "user")
        return {"role": "assistant", "content": self.user.respond(last)}


# -- the AEC env ----------------------------------------------------------------------------------


class ToolUseAECEnv(AECEnv):
    """A tool-use domain as a turn-based PettingZoo env: ``"assistant"`` and ``"user"`` (see module doc).

    Args:
        domain, split, max_turns, task_ids, render_mode: As for :class:`ToolUseEnv`.
        user_reward: ``"shared"``, ``"zero"`` or ``"fidelity"``.
        max_user_steps: Truncate after this many user actions (replies and device calls) in one
            episode; default ``10 * (max_turns + 1)``. Only a user stuck calling its device hits it.
    """

    metadata = {"name": "agentscaler_tool_use_v0", "render_modes": ["ansi", "human"], "is_parallelizable": False}

    def __init__(
        self,
        domain: Any,
        split: str = "test",
        max_turns: int = 30,
        task_ids: Sequence[str] | None = None,
        render_mode: str | None = None,
        user_reward: str = "shared",
        max_user_steps: int | None = None,
    ):
        if user_reward not in USER_REWARDS:
            raise ValueError(f"user_reward must be one of {USER_REWARDS}, not {user_reward!r}")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, not {render_mode!r}")
        self.gym_env = ToolUseEnv(domain, split=split, max_turns=max_turns, task_ids=task_ids)
        self.device = _LoggedDevice(self.gym_env.device, self._log_device) if self.gym_env.device is not None else None
        self.render_mode = render_mode
        self.user_reward = user_reward
        self.max_user_steps = max_user_steps or 10 * (max_turns + 1)
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self._observation_spaces = {
            a: spaces.Dict({"message": UnicodeText(), "instructions": UnicodeText()}) for a in AGENTS
        }
        self._action_spaces = {a: UnicodeText(MAX_ACTION) for a in AGENTS}
        self.task: Task | None = None
        self.verification = None  # the episode's Verification, once it ends
        self.final_rewards: dict[str, float] = {}  # both agents' rewards at the end (kept after dead steps)

    def observation_space(self, agent: str) -> spaces.Dict:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> UnicodeText:
        return self._action_spaces[agent]

    @property
    def messages(self) -> list[dict]:
        """The assistant's transcript: the single-agent env's."""
        return self.gym_env.messages

    # -- PettingZoo API -----------------------------------------------------------------------

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        _, info = self.gym_env.reset(seed=seed, options={**(options or {}), "opening": False})
        self.task = task = self.gym_env.task
        self.agents = list(AGENTS)
        self.rewards, self._cumulative_rewards = dict.fromkeys(AGENTS, 0.0), dict.fromkeys(AGENTS, 0.0)
        self.terminations, self.truncations = dict.fromkeys(AGENTS, False), dict.fromkeys(AGENTS, False)
        self.user_messages = [{"role": "system", "content": user_brief(task, self.device is not None)}]
        self.user_errors: list[dict] = []
        self.verification, self.final_rewards = None, {}
        self._heard: set[str] = set()
        self._user_steps = 0
        self._told = 0  # assistant messages delivered to the user: the "turn" of a user error
        self._instructions = {ASSISTANT: self.gym_env.domain.policy, USER: self.user_messages[0]["content"]}
        self._inbox = {ASSISTANT: "", USER: ""}
        self.infos = {
            ASSISTANT: {key: info[key] for key in ("task_id", "tools", "system_prompt", "messages")},
            USER: {
                "task_id": task.id,
                "tools": info.get("user_tools", []),
                "scenario": {**vars(task.scenario), "known": dict(task.scenario.known)},
                "messages": self.user_messages,
            },
        }
        self._select(USER)

    def observe(self, agent: str) -> dict[str, str]:
        return {"message": self._inbox[agent][:MAX_TEXT], "instructions": self._instructions[agent]}

    def step(self, action: Any) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self._clear_rewards()
        if agent == ASSISTANT:
            self._assistant_step(action)
        else:
            self._user_step(action)
        self._accumulate_rewards()
        if self.render_mode == "human":
            self.render()

    def render(self) -> str | None:
        if self.render_mode != "human":
            return self.gym_env.render()
        print(self.gym_env.render())

    def close(self) -> None:
        self.gym_env.close()

    # -- turns ----------------------------------------------------------------------------------

    def _assistant_step(self, action: Any) -> None:
        outcome = self.gym_env.assistant_turn(action)
        if outcome is not None:  # tool calls: the turn is over
            self._advance(*outcome)
            return
        message = self.gym_env.reply_to
        self._told += 1
        self.user_messages.append({"role": "user", "content": message})
        self._heard |= facts(message)
        self._inbox[USER] = message
        self._select(USER)

    def _user_step(self, action: Any) -> None:
        self._user_steps += 1
        if self._user_steps > self.max_user_steps:
            self._finish(self.gym_env.verify(), terminated=False)
            return
        turn = parse_action(action)
        if turn.tool_calls or turn.errors:
            self._inbox[USER] = self._use_device(turn)
            self._select(USER)
            return
        reply = turn.content
        for kind, detail in check_user_reply(reply, self.task.scenario, self.gym_env.reply_to, self._heard):
            self._record(kind, detail)
        self._heard |= facts(reply)
        self.user_messages.append({"role": "assistant", "content": reply})
        self._advance(*self.gym_env.user_turn(reply))

    def _use_device(self, turn: Turn) -> str:
        """Run the user's device calls; return what the user sees."""
        results = [("invalid_tool_call", f"Error: {error}") for error in turn.errors]
        calls = turn.tool_calls
        if calls and self.device is None:
            self._record("tool_without_device", f"called {', '.join(c.name for c in calls)} but has no device tools")
            note = "Error: you have no device tools in this conversation; reply to the agent with a message."
            results += [(c.name, note) for c in calls]
            calls = []
        elif len(calls) > MAX_CALLS_PER_TURN:
            note = f"Error: at most {MAX_CALLS_PER_TURN} tool calls per turn; the rest were not run."
            results, calls = [*results, ("invalid_tool_call", note)], calls[:MAX_CALLS_PER_TURN]
        results += [(c.name, self.gym_env.device.call(c.name, c.arguments).text) for c in calls]
        self._log_device(turn, results)
        return tool_observation([text for _, text in results])  # as the assistant sees its answers

    def _log_device(self, turn: Turn, results: Sequence[tuple[str, str]]) -> None:
        self.user_messages.append(turn.message())
        for name, text in results:
            self.user_messages.append({"role": "tool", "name": name, "content": text})
            self._heard |= facts(text)

    def _advance(self, observation: str, reward: float, terminated: bool, truncated: bool, info: dict) -> None:
        """Take the single-agent env's step result: the assistant observes it, or the episode ends."""
        self._inbox[ASSISTANT] = observation
        if terminated or truncated:
            self._finish(self.gym_env.verification, terminated)
        else:
            self._select(ASSISTANT)

    def _finish(self, verification, terminated: bool) -> None:
        as_dict, score, reward = verification.to_dict(), fidelity(self.user_errors), verification.reward
        self.rewards = {ASSISTANT: reward, USER: {"shared": reward, "zero": 0.0, "fidelity": score}[self.user_reward]}
        for agent in self.agents:
            self.terminations[agent] = terminated
            self.truncations[agent] = not terminated
            self.infos[agent].update(verification=as_dict, user_errors=list(self.user_errors), fidelity=score)
        self.verification, self.final_rewards = verification, dict(self.rewards)
        self._select(self.agents[0])

    def _select(self, agent: str) -> None:
        self.agent_selection = agent
        for a in self.agents:
            self.infos[a]["to_act"] = a == agent

    def _record(self, kind: str, detail: str) -> None:
        self.user_errors.append({"turn": self._told, "kind": kind, "detail": detail})


# -- the Parallel env -----------------------------------------------------------------------------


class ToolUseParallelEnv(ParallelEnv):
    """The same conversation as a Parallel env: every step both agents send an action, and the one
    whose turn it is (``infos[agent]["to_act"]``) is applied; the other is ignored (send ``""``).

    Arguments as for :class:`ToolUseAECEnv`, whose instance is ``aec_env``.
    """

    metadata = ToolUseAECEnv.metadata

    def __init__(self, *args: Any, **kwargs: Any):
        self.aec_env = ToolUseAECEnv(*args, **kwargs)
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self.render_mode = self.aec_env.render_mode

    def observation_space(self, agent: str) -> spaces.Dict:
        return self.aec_env.observation_space(agent)

    def action_space(self, agent: str) -> UnicodeText:
        return self.aec_env.action_space(agent)

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        self.aec_env.reset(seed=seed, options=options)
        self.agents = list(self.aec_env.agents)
        return {a: self.aec_env.observe(a) for a in self.agents}, dict(self.aec_env.infos)

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        aec = self.aec_env
        aec.step(actions.get(aec.agent_selection, ""))
        observations = {a: aec.observe(a) for a in self.agents}
        result = (observations, dict(aec.rewards), dict(aec.terminations), dict(aec.truncations), dict(aec.infos))
        if any(aec.terminations.values()) or any(aec.truncations.values()):
            self.agents = []
        return result

    def render(self) -> str | None:
        return self.aec_env.render()

    def close(self) -> None:
        self.aec_env.close()


# -- factories ------------------------------------------------------------------------------------


def available() -> list[str]:
    """Env ids that have a multi-agent view: every registered ``AgentScaler/`` tool-use env."""
    return sorted(
        i for i, spec in gym.registry.items() if spec.namespace == NAMESPACE and spec.entry_point == ENTRY_POINT
    )


def env(env_id: str, **kwargs: Any) -> ToolUseAECEnv:
    """The AEC view of a registered env id; ``kwargs`` override the registered arguments."""
    return ToolUseAECEnv(**_arguments(env_id, kwargs))


def parallel_env(env_id: str, **kwargs: Any) -> ToolUseParallelEnv:
    """The Parallel view of a registered env id; ``kwargs`` override the registered arguments."""
    return ToolUseParallelEnv(**_arguments(env_id, kwargs))


def _arguments(env_id: str, overrides: Mapping[str, Any]) -> dict:
    if "user" in overrides:
        raise TypeError("the multi-agent view has no user argument: the user is an agent (see UserPolicy)")
    registered = {k: v for k, v in gym.spec(env_id).kwargs.items() if k != "user"}
    arguments = {**registered, **overrides}
    tasks = arguments.pop("tasks", None)
    if isinstance(arguments["domain"], str):
        arguments["domain"] = load_domain(arguments["domain"])
    arguments["domain"] = arguments["domain"].with_tasks(tasks)
    return arguments
