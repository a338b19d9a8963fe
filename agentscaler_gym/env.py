"""ToolUseEnv: one tool-use domain as a text Gymnasium environment.

## Description

An agent serves a simulated user in a domain backed by its own SQLite database. Each step is one
assistant turn: tool calls (answered by the domain's tools) or a message (answered by the user).
The episode is scored by comparing the final database with the gold run of the task.

## Action Space

Unicode text (:class:`UnicodeText`): Hermes ``<tool_call>`` blocks, a JSON call, an OpenAI-style
assistant message, ``tool(arg=value)`` call syntax, or plain text for the user
(see :mod:`agentscaler_gym.actions`). An assistant message dict is accepted too.

## Observation Space

Unicode text: the user's message, or the tool answers of the turn (one answer as is, several as
``<tool_response>`` blocks). Bad calls are answered with ``"Error: ..."`` text, never an exception,
and leave the database as it was.

## Rewards

0 until the episode ends; then 1.0 iff verification passes (:mod:`agentscaler_gym.verify`), with
every component in ``info["verification"]``, and in ``info["user_errors"]`` what the user got
wrong (an LLM user's ``errors``; empty for the scripted user).

## Starting State

``reset(seed=..., options={"task_id": ...} or {"task_index": ...})`` restores the seed database and
returns the user's opening message. Without a task option the task is drawn with ``np_random``.
``info`` holds ``task_id``, ``tools`` (OpenAI schemas), ``system_prompt`` (the domain policy),
``messages`` (the transcript, grown in place), and ``user_tools`` in dual-control domains.

## Episode End

Terminates when the user ends the conversation (``###STOP###``) or a tool that ends the episode
succeeds (a transfer to a human); truncates after ``max_turns`` assistant turns.

## Arguments

``domain`` (a :class:`Domain`; ``gym.make`` resolves an id to one through
:func:`agentscaler_gym.registry.make_env`), ``split``, ``user`` (default :class:`ScriptedUser`),
``max_turns``, ``render_mode``
(``"ansi"`` or ``"human"``), ``task_ids`` (restrict the task pool).

## Version History

- v0: initial release.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from .actions import parse_action
from .domain import Domain
from .tasks import Task
from .users import END_TOKENS, Device, ScriptedUser, User
from .verify import Verification, verify

MAX_TEXT = 1_000_000
MAX_CALLS_PER_TURN = 32
ENDED = "The episode has ended; call reset()."


class UnicodeText(spaces.Text):
    """Any string up to ``max_length`` characters (Gymnasium's ``Text`` accepts only a charset)."""

    def __init__(self, max_length: int = MAX_TEXT, seed: int | None = None):
        super().__init__(max_length=max_length, min_length=0, charset=string.printable, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText({self.max_length})"


class ToolUseEnv(gym.Env[str, str]):
    metadata = {"render_modes": ["ansi", "human"], "render_fps": 4}

    def __init__(
        self,
        domain: Domain,
        split: str = "test",
        user: User | None = None,
        max_turns: int = 30,
        render_mode: str | None = None,
        task_ids: Sequence[str] | None = None,
    ):
        if not isinstance(domain, Domain):
            raise TypeError(f"domain must be a Domain, not {type(domain).__name__} (gym.make or make_env resolve ids)")
        self.domain = domain
        self.split = split
        self.tasks: list[Task] = self.domain.task_list(split)
        if task_ids is not None:
            self.tasks = [self.domain.task(t) for t in task_ids]
        if not self.tasks:
            raise ValueError(f"domain {self.domain.name!r} has no tasks in split {split!r}")
        self.user: User = user if user is not None else ScriptedUser()
        self.max_turns = max_turns
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, not {render_mode!r}")
        self.render_mode = render_mode
        self.observation_space = UnicodeText()
        self.action_space = UnicodeText()
        self.db, self.user_db = self.domain.databases()
        self.device = Device(self.user_db, self.domain.user_tools) if self.user_db is not None else None
        self.task: Task | None = None
        self.messages: list[dict] = []

    # -- Gymnasium API -----------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[str, dict]:
        super().reset(seed=seed)
        options = options or {}
        if "task_id" in options:
            self.task = self.domain.task(options["task_id"])
        elif "task_index" in options:
            self.task = self.tasks[int(options["task_index"]) % len(self.tasks)]
        else:
            self.task = self.tasks[int(self.np_random.integers(len(self.tasks)))]
        self.db.reset()
        if self.user_db is not None:
            self.user_db.reset()
            self.device.calls = []
        self.calls: list = []
        self.said: list[str] = []
        self.turns = 0
        self.done = False
        self.verification: Verification | None = None
        opening = self.user.start(self.task, self.device, seed)
        self.messages = [{"role": "system", "content": self.domain.policy}, {"role": "user", "content": opening}]
        info = {
            "task_id": self.task.id,
            "tools": self.domain.tool_schemas,
            "system_prompt": self.domain.policy,
            "messages": self.messages,
        }
        if self.device is not None:
            info["user_tools"] = self.domain.user_tool_schemas
        return opening, info

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict]:
        if self.task is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        if self.done:
            return ENDED, 0.0, True, False, {"turn": self.turns}
        self.turns += 1
        turn = parse_action(action)
        self.messages.append(turn.message())
        if turn.content:
            self.said.append(turn.content)
        if turn.tool_calls or turn.errors:
            observation, terminated = self._call_tools(turn)
        else:
            observation = self.user.respond(turn.content)
            self.messages.append({"role": "user", "content": observation})
            terminated = any(token in observation for token in END_TOKENS)
        truncated = not terminated and self.turns >= self.max_turns
        info: dict[str, Any] = {"turn": self.turns}
        reward = 0.0
        if terminated or truncated:
            self.done = True
            self.verification = self.verify()
            reward = self.verification.reward
            info["verification"] = self.verification.to_dict()
            info["user_errors"] = list(getattr(self.user, "errors", ()))  # what an LLM user got wrong
        if self.render_mode == "human":
            self.render()
        return observation[:MAX_TEXT], reward, terminated, truncated, info

    def render(self) -> str | None:
        text = "\n".join(f"[{m['role']}] {_render(m)}" for m in self.messages)
        if self.render_mode == "human":
            print(text)
            return None
        return text

    # -- internals ---------------------------------------------------------------------------

    def _call_tools(self, turn) -> tuple[str, bool]:
        answers, ends = [], False
        for error in turn.errors:
            answers.append(f"Error: {error}")
            self.messages.append({"role": "tool", "name": "invalid_tool_call", "content": answers[-1]})
        calls = turn.tool_calls
        if len(calls) > MAX_CALLS_PER_TURN:
            answers.append(f"Error: at most {MAX_CALLS_PER_TURN} tool calls per turn; the rest were not run.")
            calls = calls[:MAX_CALLS_PER_TURN]
        for call in calls:
            text, ok = self.db.call(self.domain.tools, call.name, call.arguments)
            if ok:
                self.calls.append(call)
                ends = ends or self.domain.tools[call.name].ends_episode
            answers.append(text)
            self.messages.append({"role": "tool", "name": call.name, "content": text})
        if len(answers) == 1:
            return answers[0], ends
        return "\n".join(f"<tool_response>\n{a}\n</tool_response>" for a in answers), ends

    def changes(self) -> dict:
        """The episode's state change so far, over both databases."""
        changes = self.db.changes()
        if self.user_db is not None:
            changes.update(self.user_db.changes())
        return changes

    def verify(self) -> Verification:
        """Score the episode as it stands."""
        assert self.task is not None, "call reset() first"
        return verify(self.task, self.domain.gold(self.task), self.changes(), self.calls, self.said, self._row)

    def _row(self, table: str, row_json: str | None) -> dict | None:
        seed = self.domain.user_seed if table.startswith("user:") else self.domain.seed
        return seed.row_dict(table, row_json)

    def close(self) -> None:
        self.db.close()
        if self.user_db is not None:
            self.user_db.close()


def _render(message: dict) -> str:
    parts = [message.get("content") or ""]
    for call in message.get("tool_calls", ()):
        fn = call["function"]
        parts.append(f"-> {fn['name']}({json.dumps(fn['arguments'], ensure_ascii=False)})")
    return " ".join(p for p in parts if p)
