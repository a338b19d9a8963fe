"""PettingZoo views of a tool-use env: the assistant and the simulated user as two agents.

Where it sits: beside ``env.py`` in the flow (domain -> task -> **episode** -> verification). Each view
drives one :class:`~agentscaler_gym.env.ToolUseEnv` whose user is fed by the user agent's actions,
so termination, verification and the assistant's reward are exactly the single-agent env's.

An episode (AEC order; the user speaks first)::

    user ──opening──▶ assistant ──tool calls──▶ assistant (tool results) ──message──▶ user
    user ──device calls──▶ user (device results) ──reply──▶ assistant ──...──▶ ###STOP### ends it

Agents and spaces:

- ``"assistant"`` observes the user's messages and its tool results; acts like in the single-agent
  env (text, Hermes ``<tool_call>`` blocks, JSON, call syntax, or an assistant message dict).
- ``"user"`` observes the assistant's messages and, in dual-control domains, its device results;
  acts with a reply, or with calls to its device tools in the same formats (run on the user-side
  database through ``env.device``). Its brief (:func:`user_brief`: rules plus the task scenario) is
  in its observation from reset on.
- Observations are ``Dict(message=UnicodeText, instructions=UnicodeText)``: the newest text the
  agent received, and its standing instructions (the domain policy, or the user's brief).
- ``infos[agent]`` holds ``task_id``, ``tools`` (OpenAI schemas; the device's for the user),
  ``messages`` (the agent's transcript, grown in place; the user's has roles flipped: its own turns
  are ``assistant``), ``to_act``, and for the user ``scenario``. At the end both get
  ``verification``, ``user_errors`` and ``fidelity``.

Rewards: the assistant's is the single-agent reward. The user's is ``user_reward=``: ``"shared"``
(the same), ``"zero"``, or ``"fidelity"`` (the share of :data:`FIDELITY_CHECKS` its replies never
broke: no invented facts, no early stop, no instruction dump, no empty reply, no tool call
without a device).

Factories: ``env(env_id, **kw)`` (AEC), ``parallel_env(env_id, **kw)``, ``available()``. Drive an
episode with two policies (:class:`agents.Policy`) with :func:`play`; :class:`UserPolicy`
turns any :class:`~agentscaler_gym.users.User` (the scripted user) into the user agent's policy.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import gymnasium as gym
from gymnasium import spaces
from pettingzoo import AECEnv, ParallelEnv

from .actions import Turn, parse_action
from .env import MAX_CALLS_PER_TURN, MAX_TEXT, ToolUseEnv, UnicodeText
from .registry import ENTRY_POINT, NAMESPACE, load_domain
from .tasks import Scenario, Task, ToolCall
from .users import END_TOKENS, STOP, TRANSFER, Device, User

ASSISTANT, USER = "assistant", "user"
AGENTS = (ASSISTANT, USER)
USER_REWARDS = ("shared", "zero", "fidelity")
MAX_ACTION = 16_384  # declared action bound (longer text is still accepted); samplers draw up to this length
FIDELITY_CHECKS = ("empty_reply", "early_stop", "invented_fact", "instruction_leak", "tool_without_device")


# -- the user's brief ----------------------------------------------------------------------------


def user_brief(task: Task, device: bool = False) -> str:
    """What a simulated user is told: its role, the rules it keeps, and the task scenario."""
    s = task.scenario
    known = "".join(f"\n- {topic}: {value}" for topic, value in s.known.items()) or "\n- (nothing else)"
    lines = [
        "You are a customer talking with a customer-service agent. Play the customer, never the agent.",
        "",
        f"Your situation: {s.instruction}",
        f"You might open with something like: {s.opening}",
        f"Facts you know (give one only when the agent asks for it):{known}",
    ]
    if s.persona:
        lines.append(f"Who you are: {s.persona}")
    lines += [
        "",
        "Rules:",
        "- Write only your next message to the agent, in plain words; one request at a time.",
        "- Do not paste your whole situation at once; reveal details as the conversation needs them.",
        "- Never invent ids, emails, numbers or other facts that are neither above nor told to you; "
        "if asked for something you do not know, say so.",
        "- After you confirm an action, wait for the agent to say it is done; do not end the chat then.",
        f"- When your request is handled, or cannot be, end your message with {STOP}.",
        f"- If the agent transfers you to a human agent, reply with {TRANSFER}.",
    ]
    if device:
        lines.append(
            "- You have a phone with the listed tools. Use them only when the agent asks you to do "
            "something on your phone, then tell the agent what you did and saw."
        )
    return "\n".join(lines)


# -- user fidelity: checks of one user reply -----------------------------------------------------

# A token with a digit, or an email; the lookbehind starts matches at token starts only (no backtracking blow-up).
_FACT = re.compile(r"(?<![\w#@.+:/-])(?:[\w#@.+:/-]*\d[\w#@.+:/-]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_WORD = re.compile(r"\w+")
_CONFIRM_ASK = re.compile(r"\b(confirm|proceed|go ahead|shall i|should i|would you like|do you want|ok to|yes or no)\b")
_INFO_ASK = re.compile(
    r"\b(please (provide|share|tell|give|send)|(could|can|would) you (please )?(provide|share|tell|give|send|confirm)"
    r"|what is your|what's your|may i have|i need your)\b"
)
_AGREES = re.compile(r"\b(yes|yeah|yep|sure|ok|okay|confirm|confirmed|go ahead|proceed|please do)\b")
_CLOSING = re.compile(r"\b(anything else|something else)\b")
LEAK_MIN_WORDS = 12  # shorter instructions are one request: saying them is not a leak
LEAK_SHARE = 0.6  # share of the instruction's word trigrams (beyond the opening's) in one reply


def facts(text: str) -> set[str]:
    """Id-like tokens of a text, normalised: emails, and tokens of 3+ characters with a digit."""
    tokens = (t.strip(".:/+-").lstrip("#") for t in _FACT.findall(_THOUSANDS.sub("", text.lower())))
    return {t for t in tokens if len(t) >= 3}


def scenario_facts(scenario: Scenario) -> set[str]:
    return facts(
        " ".join([scenario.opening, scenario.instruction, scenario.persona, *map(str, scenario.known.values())])
    )


def check_user_reply(
    reply: str, scenario: Scenario, answering: str = "", heard: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Problems with one user reply, as ``(kind, detail)`` pairs; ``[]`` if it is fine.

    Args:
        reply: The user's message.
        scenario: What the user knows.
        answering: The assistant message being answered (``""`` for the opening).
        heard: Facts (:func:`facts`) the user has been told or said so far.
    """
    problems = []
    text = reply
    for token in END_TOKENS:
        text = text.replace(token, " ")
    if not text.strip():
        problems.append(("empty_reply", "the reply says nothing"))
    stop = _early_stop(reply, text, answering.lower())
    if stop:
        problems.append(("early_stop", stop))
    invented = sorted(facts(text) - scenario_facts(scenario) - set(heard))
    if invented:
        problems.append(("invented_fact", "not in the scenario or the conversation: " + ", ".join(invented[:5])))
    leak = _instruction_leak(text, scenario)
    if leak:
        problems.append(("instruction_leak", leak))
    return problems


def _early_stop(reply: str, text: str, answering: str) -> str | None:
    if STOP not in reply:
        return None
    if not answering:
        return "ended the conversation in its opening message"
    if _CLOSING.search(answering):
        return None
    if _CONFIRM_ASK.search(answering) and _AGREES.search(text.lower()):
        return "confirmed, then ended the conversation before the agent acted"
    if _INFO_ASK.search(answering):
        return "ended the conversation while the agent waited for an answer"
    return None


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _instruction_leak(text: str, scenario: Scenario) -> str | None:
    if len(_WORD.findall(scenario.instruction)) < LEAK_MIN_WORDS:
        return None
    private = _trigrams(scenario.instruction) - _trigrams(scenario.opening)
    if not private:
        return None
    share = len(private & _trigrams(text)) / len(private)
    if share < LEAK_SHARE:
        return None
    return f"repeats {share:.0%} of the instruction at once"


def fidelity(errors: Iterable[Mapping]) -> float:
    """The share of :data:`FIDELITY_CHECKS` a user never broke in an episode (1.0 = faithful)."""
    broken = {e["kind"] for e in errors} & set(FIDELITY_CHECKS)
    return 1.0 - len(broken) / len(FIDELITY_CHECKS)


# -- plumbing between the user agent and the single-agent env -------------------------------------


class _RelayUser:
    """The single-agent env's user: it says what the user agent said (the env is stepped after)."""

    def __init__(self) -> None:
        self.reply = ""
        self.errors: list[dict] = []  # the multi-agent env's record, so the inner env reports it too

    def start(self, task: Task, device: Device | None = None, seed: int | None = None) -> str:
        return ""  # the user agent's first action fills in the opening

    def respond(self, message: str) -> str:
        return self.reply


class _LoggedDevice(Device):
    """The user's device. ``call`` also writes the call and its answer into the user's transcript,
    so a :class:`User` driving the device directly (through :class:`UserPolicy`) leaves the same
    record as device calls made as actions (which use the unlogged :meth:`run`)."""

    def __init__(self, device: Device, log):
        super().__init__(device.db, device.tools)
        self._log = log

    def run(self, name: str, arguments: Mapping) -> str:
        return super().call(name, arguments)

    def call(self, name: str, arguments: Mapping) -> str:
        text = self.run(name, arguments)
        self._log(Turn(tool_calls=[_call(name, arguments)]), [(name, text)])
        return text


def _call(name: str, arguments: Mapping) -> ToolCall:
    return ToolCall(name, dict(arguments) if isinstance(arguments, Mapping) else {})


def _tool_answer(answers: Sequence[str]) -> str:
    if len(answers) == 1:
        return answers[0]
    return "\n".join(f"<tool_response>\n{a}\n</tool_response>" for a in answers)


# -- the AEC env ----------------------------------------------------------------------------------


class ToolUseAECEnv(AECEnv):
    """A tool-use domain as a turn-based PettingZoo env: ``"assistant"`` and ``"user"`` (see module doc).

    Args:
        domain, split, max_turns, task_ids: As for :class:`ToolUseEnv` (``max_turns`` counts assistant turns).
        render_mode: ``"ansi"`` or ``"human"``.
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
        self._relay = _RelayUser()
        self.gym_env = ToolUseEnv(domain, split=split, user=self._relay, max_turns=max_turns, task_ids=task_ids)
        if self.gym_env.device is not None:
            self.gym_env.device = _LoggedDevice(self.gym_env.device, self._log_device)
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
    def device(self) -> Device | None:
        """The user's device in dual-control domains (its calls show in the user's transcript)."""
        return self.gym_env.device

    @property
    def messages(self) -> list[dict]:
        """The assistant's transcript: the single-agent env's."""
        return self.gym_env.messages

    # -- PettingZoo API -----------------------------------------------------------------------

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        _, info = self.gym_env.reset(seed=seed, options=options)
        self.task = task = self.gym_env.task
        self.agents = list(AGENTS)
        self.rewards = {a: 0.0 for a in AGENTS}
        self._cumulative_rewards = {a: 0.0 for a in AGENTS}
        self.terminations = {a: False for a in AGENTS}
        self.truncations = {a: False for a in AGENTS}
        has_device = self.device is not None
        self.user_messages = [{"role": "system", "content": user_brief(task, has_device)}]
        self.user_errors = self._relay.errors = []
        self.verification, self.final_rewards = None, {}
        self._heard = set()
        self._answering: tuple[Any, str] | None = None  # the assistant's action the user is answering, and its text
        self._user_steps = 0
        self._told = 0  # assistant messages delivered to the user: the "turn" of a user error
        self._instructions = {ASSISTANT: self.gym_env.domain.policy, USER: self.user_messages[0]["content"]}
        self._inbox = {ASSISTANT: "", USER: ""}
        self.infos = {
            ASSISTANT: {
                "task_id": task.id,
                "tools": info["tools"],
                "system_prompt": info["system_prompt"],
                "messages": self.gym_env.messages,
            },
            USER: {
                "task_id": task.id,
                "tools": info.get("user_tools", []),
                "scenario": _scenario_dict(task.scenario),
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
        text = self.gym_env.render()
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def close(self) -> None:
        self.gym_env.close()

    # -- turns ----------------------------------------------------------------------------------

    def _assistant_step(self, action: Any) -> None:
        turn = parse_action(action)
        if turn.tool_calls or turn.errors:
            self._advance(*self.gym_env.step(action))
            return
        self._answering = (action, turn.content)
        self._told += 1
        self.user_messages.append({"role": "user", "content": turn.content})
        self._heard |= facts(turn.content)
        self._inbox[USER] = turn.content
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
        answering = self._answering[1] if self._answering else ""
        for kind, detail in check_user_reply(reply, self.task.scenario, answering, self._heard):
            self._record(kind, detail)
        self._heard |= facts(reply)
        self.user_messages.append({"role": "assistant", "content": reply})
        if self._answering is None:  # the opening
            self.gym_env.messages[1]["content"] = reply
            self._inbox[ASSISTANT] = reply
            if any(token in reply for token in END_TOKENS):
                self._finish(self.gym_env.verify(), terminated=True)
            else:
                self._select(ASSISTANT)
            return
        self._relay.reply = reply
        pending, self._answering = self._answering[0], None
        self._advance(*self.gym_env.step(pending))

    def _use_device(self, turn: Turn) -> str:
        """Run the user's device calls; return what the user sees."""
        results = [("invalid_tool_call", f"Error: {error}") for error in turn.errors]
        calls = turn.tool_calls
        if calls and self.device is None:
            self._record("tool_without_device", f"called {', '.join(c.name for c in calls)} but has no device tools")
            note = "Error: you have no device tools in this conversation; reply to the agent with a message."
            results += [(c.name, note) for c in calls]
        else:
            if len(calls) > MAX_CALLS_PER_TURN:
                results.append(
                    (
                        "invalid_tool_call",
                        f"Error: at most {MAX_CALLS_PER_TURN} tool calls per turn; the rest were not run.",
                    )
                )
            results += [(c.name, self.device.run(c.name, c.arguments)) for c in calls[:MAX_CALLS_PER_TURN]]
        self._log_device(turn, results)
        return _tool_answer([text for _, text in results])

    def _log_device(self, turn: Turn, results: Sequence[tuple[str, str]]) -> None:
        self.user_messages.append(turn.message())
        for name, text in results:
            self.user_messages.append({"role": "tool", "name": name, "content": text})
            self._heard |= facts(text)

    def _advance(self, observation: str, reward: float, terminated: bool, truncated: bool, info: dict) -> None:
        """Take the single-agent env's step result: the assistant observes it, or the episode ends."""
        self._inbox[ASSISTANT] = observation
        if terminated or truncated:
            self._finish(self.gym_env.verification, terminated, info["verification"])
        else:
            self._select(ASSISTANT)

    def _finish(self, verification, terminated: bool, as_dict: dict | None = None) -> None:
        as_dict = as_dict or verification.to_dict()
        score = fidelity(self.user_errors)
        reward = verification.reward
        user_reward = {"shared": reward, "zero": 0.0, "fidelity": score}[self.user_reward]
        self.rewards = {ASSISTANT: reward, USER: user_reward}
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


def _scenario_dict(scenario: Scenario) -> dict:
    return {
        "opening": scenario.opening,
        "instruction": scenario.instruction,
        "known": dict(scenario.known),
        "persona": scenario.persona,
    }


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
    if isinstance(arguments["domain"], str):
        arguments["domain"] = load_domain(arguments["domain"])
    return arguments


# -- driving an episode with two policies ---------------------------------------------------------


class UserPolicy:
    """The user agent's policy made from a :class:`~agentscaler_gym.users.User` (e.g. ``ScriptedUser``).

    It starts the user on the first turn and answers the assistant's latest message after that.
    Pass ``device=env.device`` in dual-control domains: the user then runs its device directly, and
    the calls still land in the user agent's transcript.
    """

    def __init__(self, user: User, device: Device | None = None):
        self.user = user
        self.device = device

    def act(self, messages: Sequence[dict], tools: Sequence[dict], task: Any = None) -> dict:
        if not any(m["role"] == "assistant" for m in messages):
            text = self.user.start(task, self.device, None)
        else:
            text = self.user.respond(next(m["content"] for m in reversed(messages) if m["role"] == "user"))
        return {"role": "assistant", "content": text}


def play(
    aec_env: ToolUseAECEnv,
    assistant: Any,
    user: Any,
    *,
    seed: int | None = None,
    task_id: str | None = None,
    env_id: str = "",
):
    """Play one episode of an AEC view with two policies; return the assistant's :class:`Trajectory`.

    Both policies get ``act(info["messages"], info["tools"], task=env.task)``: only privileged
    policies (the oracle, the scripted user) look at the task.
    """
    from .episode import db_changes
    from .policy import policy_name
    from .trajectory import Trajectory

    env = aec_env
    env.reset(seed=seed, options={"task_id": task_id} if task_id is not None else None)
    policies = {ASSISTANT: assistant, USER: user}
    spent = {ASSISTANT: 0.0, USER: 0.0}
    start = time.perf_counter()
    tools = env.infos[ASSISTANT]["tools"]
    for agent in env.agent_iter():
        _, _, terminated, truncated, info = env.last(observe=False)
        if terminated or truncated:
            env.step(None)
            continue
        t0 = time.perf_counter()
        action = policies[agent].act(info["messages"], info["tools"], task=env.task)
        spent[agent] += time.perf_counter() - t0
        env.step(action)
    inner = env.gym_env
    return Trajectory(
        env_id=env_id or inner.domain.name,
        task_id=env.task.id,
        seed=seed,
        messages=list(inner.messages),
        tools=tools,
        reward=env.verification.reward,
        verification=env.verification.to_dict(),
        turns=inner.turns,
        timings={
            "policy": spent[ASSISTANT],
            "user": spent[USER],
            "env": time.perf_counter() - start - sum(spent.values()),
        },
        user_calls=[c.to_dict() for c in inner.device.calls] if inner.device else [],
        user_errors=list(env.user_errors),
        db_changes=db_changes(inner),
        policy=policy_name(assistant),
    )
