"""Domain: everything that makes one tool-use world, hand-built or synthesized.

A domain is its tables (peewee models), its tools, a seeded data generator, a policy text and a
task source. Optionally the user has a database and tools of their own (dual control, as in
telecom: the user's phone). Each side becomes a :class:`~agentscaler_gym.seat.Seat` in an episode
(:meth:`Domain.seats`). The runtime builds the seed databases and the tasks once per process,
lazily, and caches the gold state change of every task.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from .database import SeedDatabase
from .seat import Changes, Seat, changes
from .tasks import ASSISTANT, USER, Task
from .tools import READ, Tool, ToolError

Rows = Mapping[type[pw.Model], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Side:
    """One database with its tables, generator and tools: the agent's or the user's."""

    models: Sequence[type[pw.Model]]
    tools: Sequence[Tool]
    generate: Callable[[int], Rows]


@dataclass(eq=False)
class Domain:
    """A tool-use domain.

    Args:
        name: Short id (``"retail"``); the env id is ``AgentScaler/<name>-v0``.
        policy: The rules the agent must follow; the system prompt.
        agent: The agent-side tables, tools and data generator.
        tasks: ``tasks(domain) -> {split: [Task, ...]}``. Tasks are validated when first used.
        user: The user-side database and tools, for dual-control domains.
        data_seed: Seed of the data generator.
        description: One line for listings.
    """

    name: str
    policy: str
    agent: Side
    tasks: Callable[[Domain], Mapping[str, Sequence[Task]]]
    user: Side | None = None
    data_seed: int = 0
    description: str = ""
    _cache: dict = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # -- derived, built once per process -------------------------------------------------------

    def _once(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            with self._lock:
                if key not in self._cache:
                    self._cache[key] = build()
        return self._cache[key]

    @property
    def rows(self) -> Rows:
        """The initial rows of every seat, by table (what task generators sample from)."""
        return self._once("rows", lambda: {m: r for actor in self._sides() for m, r in self._rows(actor).items()})

    @functools.cached_property
    def tools(self) -> dict[str, Tool]:
        """The assistant's tools by name (the user's are on the user's seat)."""
        return {t.name: t for t in self.agent.tools}

    @functools.cached_property
    def tool_schemas(self) -> list[dict]:
        """The assistant's tools as OpenAI-style schemas."""
        return [t.schema for t in self.agent.tools]

    def splits(self) -> dict[str, list[Task]]:
        """Validated tasks by split; a task whose gold run fails or that doing nothing passes is dropped."""
        return self._once("splits", self._build_splits)

    def task_list(self, split: str) -> list[Task]:
        splits = self.splits()
        if split not in splits:
            raise KeyError(f"domain {self.name!r} has no split {split!r}; it has {sorted(splits)}")
        return splits[split]

    def task(self, task_id: str) -> Task:
        index = self._once("index", lambda: {t.id: t for ts in self.splits().values() for t in ts})
        if task_id not in index:
            raise KeyError(f"domain {self.name!r} has no task {task_id!r}")
        return index[task_id]

    @property
    def rejected(self) -> dict[str, str]:
        """Task ids dropped at build time, with the reason."""
        self.splits()
        return self._cache["rejected"]

    def gold(self, task: Task) -> Changes:
        """The state change the gold calls make (every seat's), cached per task."""
        golds = self._cache.setdefault("gold", {})
        if task.id not in golds:
            golds[task.id] = self.replay(task)
        return golds[task.id]

    # -- running -------------------------------------------------------------------------------

    def seats(self) -> dict[str, Seat]:
        """Fresh seats at the seed state: the assistant's, and the user's in dual-control domains."""
        return {actor: Seat(actor, self._seed(actor), self._tools(actor)) for actor in self._sides()}

    def replay(self, task: Task, seats: Mapping[str, Seat] | None = None) -> Changes:
        """Run the gold calls on fresh seats (or ``seats``); return the state change. Raises if a call fails."""
        seats = seats if seats is not None else self.seats()
        for call in task.gold_calls:
            if call.actor not in seats:
                raise ToolError(f"this domain has no {call.actor} tools")
            answer = seats[call.actor].call(call.name, call.arguments)
            if not answer.ok:
                raise ToolError(answer.text.removeprefix("Error: "))
        return changes(seats)

    def _sides(self) -> dict[str, Side]:
        return {ASSISTANT: self.agent} | ({USER: self.user} if self.user is not None else {})

    def _rows(self, actor: str) -> Rows:
        return self._once(f"rows:{actor}", lambda: self._sides()[actor].generate(self.data_seed))

    def _seed(self, actor: str) -> SeedDatabase:
        return self._once(f"seed:{actor}", lambda: SeedDatabase(self._sides()[actor].models, self._rows(actor)))

    def _tools(self, actor: str) -> dict[str, Tool]:
        if actor == ASSISTANT:
            return self.tools
        return self._once(f"tools:{actor}", lambda: {t.name: t for t in self._sides()[actor].tools})

    def _build_splits(self) -> dict[str, list[Task]]:
        rejected: dict[str, str] = {}
        splits: dict[str, list[Task]] = {}
        seats = self.seats()
        for split, candidates in self.tasks(self).items():
            kept = splits.setdefault(split, [])
            for task in candidates:
                task, reason = self._validate(task, seats)
                if reason:
                    rejected[task.id] = reason
                else:
                    kept.append(task)
        self._cache["rejected"] = rejected
        return splits

    def _validate(self, task: Task, seats: Mapping[str, Seat]) -> tuple[Task, str | None]:
        """Replay the gold calls; mark read-only tasks (their call sequence is reported); reject what
        doing nothing passes."""
        for seat in seats.values():
            seat.reset()
        try:
            change = self.replay(task, seats)
        except Exception as exc:  # a gold call that fails makes the task invalid
            return task, f"gold call failed: {exc}"
        read_only = all(self._kind(c) == READ for c in task.gold_calls)
        task = dataclasses.replace(task, exact_match=read_only)
        if not change and not task.outputs:
            return task, "a do-nothing agent passes: the gold run changes nothing and no output is required"
        self._cache.setdefault("gold", {})[task.id] = change
        return task, None

    def _kind(self, call) -> str:
        return self._tools(call.actor)[call.name].kind
