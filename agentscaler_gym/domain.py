"""Domain: everything that makes one tool-use world, hand-built or synthesized.

A domain is its tables (peewee models), its tools, a seeded data generator, a policy text and a
task source. Optionally the user has a database and tools of their own (dual control, as in
telecom: the user's phone). The runtime builds the seed database and the tasks once per process,
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

from .database import Change, Database, SeedDatabase
from .tasks import USER, Task
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
        """The agent-side initial rows (what task generators sample from)."""
        return self._once("rows", lambda: self.agent.generate(self.data_seed))

    @property
    def user_rows(self) -> Rows:
        assert self.user is not None
        return self._once("user_rows", lambda: self.user.generate(self.data_seed))

    @property
    def seed(self) -> SeedDatabase:
        return self._once("seed", lambda: SeedDatabase(self.agent.models, self.rows))

    @property
    def user_seed(self) -> SeedDatabase | None:
        if self.user is None:
            return None
        return self._once("user_seed", lambda: SeedDatabase(self.user.models, self.user_rows))

    @functools.cached_property
    def tools(self) -> dict[str, Tool]:
        return {t.name: t for t in self.agent.tools}

    @functools.cached_property
    def user_tools(self) -> dict[str, Tool]:
        return {t.name: t for t in self.user.tools} if self.user else {}

    @functools.cached_property
    def tool_schemas(self) -> list[dict]:
        return [t.schema for t in self.agent.tools]

    @functools.cached_property
    def user_tool_schemas(self) -> list[dict]:
        return [t.schema for t in self.user.tools] if self.user else []

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

    def gold(self, task: Task) -> Change:
        """The state change the gold calls make (both databases), cached per task."""
        golds = self._cache.setdefault("gold", {})
        if task.id not in golds:
            golds[task.id] = self.replay(task)
        return golds[task.id]

    # -- running -------------------------------------------------------------------------------

    def databases(self) -> tuple[Database, Database | None]:
        """Fresh agent-side (and user-side) databases at the seed state."""
        user = Database(self.user_seed, label="user:") if self.user else None
        return Database(self.seed), user

    def replay(self, task: Task, dbs: tuple[Database, Database | None] | None = None) -> Change:
        """Run the gold calls on fresh databases; return the state change. Raises if a call fails."""
        agent_db, user_db = dbs or self.databases()
        for call in task.gold_calls:
            db, tools = (user_db, self.user_tools) if call.actor == USER else (agent_db, self.tools)
            if call.name not in tools:
                raise ToolError(f"unknown {call.actor} tool {call.name!r}")
            db.run(tools[call.name], call.arguments)
        changes = agent_db.changes()
        if user_db is not None:
            changes.update(user_db.changes())
        return changes

    def _build_splits(self) -> dict[str, list[Task]]:
        rejected: dict[str, str] = {}
        splits: dict[str, list[Task]] = {}
        dbs = self.databases()
        for split, candidates in self.tasks(self).items():
            kept = splits.setdefault(split, [])
            for task in candidates:
                task, reason = self._validate(task, dbs)
                if reason:
                    rejected[task.id] = reason
                else:
                    kept.append(task)
        self._cache["rejected"] = rejected
        return splits

    def _validate(self, task: Task, dbs: tuple[Database, Database | None]) -> tuple[Task, str | None]:
        """Replay the gold calls; mark read-only tasks (their call sequence is reported); reject what
        doing nothing passes."""
        for db in dbs:
            if db is not None:
                db.reset()
        try:
            change = self.replay(task, dbs)
        except Exception as exc:  # a gold call that fails makes the task invalid
            return task, f"gold call failed: {exc}"
        read_only = all(self._kind(c) == READ for c in task.gold_calls)
        task = dataclasses.replace(task, exact_match=read_only)
        if not change and not task.outputs:
            return task, "a do-nothing agent passes: the gold run changes nothing and no output is required"
        self._cache.setdefault("gold", {})[task.id] = change
        return task, None

    def _kind(self, call) -> str:
        tools = self.user_tools if call.actor == USER else self.tools
        return tools[call.name].kind
