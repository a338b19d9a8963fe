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
``<tool_response>`` blocks; a record or a list is compact JSON). Bad calls are answered with ``"Error: ..."`` text, never an exception,
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

Each actor with tools has a :class:`~agentscaler_gym.seat.Seat` (``env.seats``): its database,
tools and successful calls. In dual-control domains the user's seat is also ``env.device``, the
phone the simulated user is handed.

## Episode End

Terminates when the user ends the conversation (``###STOP###``) or a tool that ends the episode
succeeds (a transfer to a human); truncates after ``max_turns`` assistant turns.

## Turn Halves

A turn has the assistant's half and the user's half; ``step`` plays both, asking ``user`` for the
reply. A caller that plays the user itself (the PettingZoo views) calls the halves:

- ``assistant_turn(action)``: tool calls are answered and the turn ends, returning what ``step``
  returns; a message to the user returns ``None``, and :attr:`reply_to` holds it until
  ``user_turn(reply)`` ends the turn the same way.
- ``reset(options={"opening": False, ...})`` leaves the opening to the caller as well:
  ``reply_to`` is ``""``, and the first ``user_turn`` is the opening (an end marker in it ends
  the episode; ``user`` is never asked).

``step(action)`` is ``assistant_turn(action)``, then, if that returned ``None``,
``user_turn(user.respond(reply_to))``: the same code whoever plays the user.

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
from .seat import Changes, Seat, changes
from .tasks import ASSISTANT, USER, Task
from .users import END_TOKENS, ScriptedUser, User
from .verify import Verification, verify

MAX_TEXT = 1_000_000
MAX_CALLS_PER_TURN = 32
ENDED = "The episode has ended; call reset()."
Outcome = tuple[str, float, bool, bool, dict]  # what step returns: observation, reward, terminated, truncated, info


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
        self.seats: dict[str, Seat] = self.domain.seats()
        self.device: Seat | None = self.seats.get(USER)  # what the user is handed
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
        for seat in self.seats.values():
            seat.reset()
        self.said: list[str] = []
        self.turns = 0
        self.done = False
        self.verification: Verification | None = None
        self.messages = [{"role": "system", "content": self.domain.policy}]
        self.reply_to: str | None = None  # the message the user answers next; None on the assistant's turn
        if options.get("opening", True):
            opening = self.user.start(self.task, self.device, seed)
            self.messages.append({"role": "user", "content": opening})
        else:
            opening = self.reply_to = ""
        info = {
            "task_id": self.task.id,
            "tools": self.domain.tool_schemas,
            "system_prompt": self.domain.policy,
            "messages": self.messages,
        }
        if USER in self.seats:
            info["user_tools"] = self.seats[USER].schemas
        return opening, info

    def step(self, action: Any) -> Outcome:
        outcome = self.assistant_turn(action)
        if outcome is None:  # a message: the user answers it
            outcome = self.user_turn(self.user.respond(self.reply_to))
        return outcome

    def assistant_turn(self, action: Any) -> Outcome | None:
        """The assistant's half of a turn: what ``step`` returns after tool calls; ``None`` after a
        message to the user, which waits in :attr:`reply_to` for :meth:`user_turn`."""
        if self.task is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        if self.done:
            return ENDED, 0.0, True, False, {"turn": self.turns}
        if self.reply_to is not None:
            raise RuntimeError("the user has not answered yet: call user_turn(reply) first")
        self.turns += 1
        turn = parse_action(action)
        self.messages.append(turn.message())
        if turn.content:
            self.said.append(turn.content)
        if turn.tool_calls or turn.errors:
            return self._end_turn(*self._call_tools(turn))
        self.reply_to = turn.content
        return None

    def user_turn(self, reply: str) -> Outcome:
        """The user's half of a turn: ``reply`` answers :attr:`reply_to` (or opens the episode); returns
        what ``step`` returns, ``reply`` being the assistant's observation."""
        if self.task is None:
            raise gym.error.ResetNeeded("call reset() before user_turn()")
        if self.done:
            return ENDED, 0.0, True, False, {"turn": self.turns}
        if self.reply_to is None:
            raise RuntimeError("no message awaits the user: call assistant_turn(action) first")
        self.reply_to = None
        self.messages.append({"role": "user", "content": reply})
        return self._end_turn(reply, any(token in reply for token in END_TOKENS))

    def _end_turn(self, observation: str, terminated: bool) -> Outcome:
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
            print(text.encode("utf-8", "backslashreplace").decode("utf-8"))  # a lone surrogate prints escaped
            return None
        return text

    # -- internals ---------------------------------------------------------------------------

    def _call_tools(self, turn) -> tuple[str, bool]:
        seat, messages = self.seats[ASSISTANT], self.messages
        calls = turn.tool_calls
        answers, ends = [], False
        for error in turn.errors:
            answers.append(f"Error: {error}")
            messages.append({"role": "tool", "name": "invalid_tool_call", "content": answers[-1]})
        if len(calls) > MAX_CALLS_PER_TURN:
            answers.append(f"Error: at most {MAX_CALLS_PER_TURN} tool calls per turn; the rest were not run.")
            calls = calls[:MAX_CALLS_PER_TURN]
        for call in calls:
            answer = seat.run(call)
            ends = ends or answer.ends_episode
            answers.append(answer.text)
            messages.append({"role": "tool", "name": call.name, "content": answer.text})
        return tool_observation(answers), ends

    def changes(self) -> Changes:
        """The episode's state change so far, every seat's: ``{(seat, table, key): row or None}``."""
        return changes(self.seats)

    def verify(self) -> Verification:
        """Score the episode as it stands."""
        assert self.task is not None, "call reset() first"
        calls = self.seats[ASSISTANT].calls
        return verify(self.task, self.domain.gold(self.task), self.changes(), calls, self.said)

    def close(self) -> None:
        for seat in self.seats.values():
            seat.close()


def tool_observation(answers: Sequence[str]) -> str:
    """What the caller of a turn's tools observes: one answer as it is, several as ``<tool_response>`` blocks."""
    if len(answers) == 1:
        return answers[0]
    return "\n".join(f"<tool_response>\n{a}\n</tool_response>" for a in answers)


def _render(message: dict) -> str:
    parts = [message.get("content") or ""]
    for call in message.get("tool_calls", ()):
        fn = call["function"]
        parts.append(f"-> {fn['name']}({json.dumps(fn['arguments'], ensure_ascii=False)})")
    return " ".join(p for p in parts if p)
