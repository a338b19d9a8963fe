"""Tasks: what a simulated user wants, and the gold run that defines success.

A :class:`Task` holds the user :class:`Scenario` (what they say first, what they want, what they
know), the gold tool calls, and any outputs the agent must communicate. The gold state change is
not stored: it is the result of replaying the gold calls on the seed database, computed once per
process by :meth:`agentscaler_gym.domain.Domain.gold`.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

ASSISTANT = "assistant"
USER = "user"


class ToolCall(namedtuple("ToolCall", ("name", "arguments", "actor"))):
    """One tool call: ``name(**arguments)``, made by the assistant or, in dual-control domains, the user.

    A named tuple (one is made for every call an agent sends, at half a frozen dataclass's cost):
    immutable, and equal to a plain tuple of its three fields. Without arguments it holds a fresh
    empty dict."""

    __slots__ = ()
    name: str
    arguments: Mapping[str, Any]
    actor: str

    def __new__(cls, name: str, arguments: Mapping[str, Any] | None = None, actor: str = ASSISTANT) -> ToolCall:
        return tuple.__new__(cls, (name, {} if arguments is None else arguments, actor))

    def to_dict(self) -> dict:
        d = {"name": self.name, "arguments": dict(self.arguments)}
        if self.actor != ASSISTANT:
            d["actor"] = self.actor
        return d


@dataclass(frozen=True)
class Scenario:
    """The simulated user's side of a task.

    Attributes:
        opening: The user's first message.
        instruction: Everything the user wants, in the first person (what an LLM user is prompted with).
        known: Facts the user gives when asked, by topic: ``{"email": "ava.lee@example.com"}``.
        persona: Who the user is and how they talk.
        style: The name of the user's way of talking (:mod:`agentscaler_gym.personas`), which words
            the scripted user's replies; ``""`` for plain wording.
        request: The request in full, in the user's words, restated when the agent asks how it can
            help (the opening may leave details to be asked for); ``""`` restates the opening.
    """

    opening: str
    instruction: str
    known: Mapping[str, str] = field(default_factory=dict)
    persona: str = ""
    style: str = ""
    request: str = ""


@dataclass(frozen=True)
class Choice:
    """A choice the agent offers the user before gold call ``before`` (``len(gold_calls)``: before
    the closing): the options its lookups found, as ``(value, description)`` pairs, of which the
    user's stated preference picks ``pick``. ``note`` says why these are the options (a first wish
    that nothing fits)."""

    before: int
    options: tuple[tuple[str, str], ...]
    pick: str
    note: str = ""


@dataclass(frozen=True)
class Task:
    """A verifiable goal in one domain.

    Attributes:
        id: Unique within the domain, stable across runs (``"cancel-0042"``).
        family: The scenario family (``"cancel"``, ``"refuse_return"``...).
        scenario: The user's side.
        gold_calls: The calls a correct agent makes, in order.
        outputs: Strings the agent must say to the user (an answer to a question, a refund total).
        exact_match: The call sequence itself is checked (set for tasks whose gold calls only read).
        choices: Choices the agent offers on the way (search-and-choose goals), for demonstrators.
    """

    id: str
    family: str
    scenario: Scenario
    gold_calls: tuple[ToolCall, ...]
    outputs: tuple[str, ...] = ()
    exact_match: bool = False
    choices: tuple[Choice, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["gold_calls"] = [c.to_dict() for c in self.gold_calls]
        d["scenario"]["known"] = dict(self.scenario.known)
        for optional in ("style", "request"):  # a scenario without them reads as before
            if not d["scenario"][optional]:
                del d["scenario"][optional]
        d["outputs"] = list(self.outputs)
        if self.choices:
            d["choices"] = [{**asdict(c), "options": [list(o) for o in c.options]} for c in self.choices]
        else:
            del d["choices"]
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> Task:
        return cls(
            id=d["id"],
            family=d["family"],
            scenario=Scenario(**d["scenario"]),
            gold_calls=tuple(
                ToolCall(c["name"], c.get("arguments", {}), c.get("actor", ASSISTANT)) for c in d["gold_calls"]
            ),
            outputs=tuple(d.get("outputs", ())),
            exact_match=bool(d.get("exact_match", False)),
            choices=tuple(
                Choice(c["before"], tuple(tuple(o) for o in c["options"]), c["pick"], c.get("note", ""))
                for c in d.get("choices", ())
            ),
        )


def gold_key(task: Task) -> tuple:
    """A task's gold calls as a hashable value: two tasks with the same key are the same problem."""
    return tuple((c.actor, c.name, repr(sorted(c.arguments.items()))) for c in task.gold_calls)


def interleave(queues: dict[str, Iterator[Task]]) -> Iterator[Task]:
    """One task of each family in turn, skipping families that have run out, until all have, so
    every prefix mixes the families; a task whose gold calls repeat an earlier one's is skipped."""
    seen: set[tuple] = set()
    queues = dict(queues)
    while queues:
        for family in list(queues):
            for task in queues[family]:
                if gold_key(task) not in seen:
                    seen.add(gold_key(task))
                    yield task
                    break
            else:
                del queues[family]


def oracle_turns(task: Task) -> list[dict]:
    """The assistant turns of an ideal episode: each gold call in order, then a closing message.

    A user-side gold call (dual control) becomes a request to the user to run it on their device.
    The closing message states every required output and asks nothing, so the user ends the chat;
    the last gold call states them too, in case it ends the episode (a transfer to a human).
    """
    turns = []
    last = max((i for i, c in enumerate(task.gold_calls) if c.actor != USER), default=-1)
    for i, call in enumerate(task.gold_calls):
        if call.actor == USER:
            args = ", ".join(f"{k}={v!r}" for k, v in call.arguments.items())
            turns.append({"role": "assistant", "content": f"Please run {call.name}({args}) on your device."})
        else:
            function = {"name": call.name, "arguments": dict(call.arguments)}
            content = " ".join(f"{o}." for o in task.outputs) if i == last else ""
            turns.append(
                {"role": "assistant", "content": content, "tool_calls": [{"type": "function", "function": function}]}
            )
    closing = "All done." + "".join(f" {o}." for o in task.outputs)
    turns.append({"role": "assistant", "content": closing})
    return turns


GREETING = re.compile(r"^(hi|hello|hey)( there)?[!,.]*\s*|^good (morning|afternoon|evening)[!,.]*\s*", re.I)
