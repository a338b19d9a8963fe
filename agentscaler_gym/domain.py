"""Domain: everything that makes one tool-use world, hand-built or synthesized.

A domain is its tables (peewee models), its tools, a seeded data generator, a policy text and a
task source. Optionally the user has a database and tools of their own (dual control, as in
telecom: the user's phone). Each side becomes a :class:`~agentscaler_gym.seat.Seat` in an episode
(:meth:`Domain.seats`). The runtime builds the seed databases and the tasks once per process,
lazily, and caches the gold state change of every task.

A domain with a task *stream* (``stream(domain) -> {split: iterable of tasks}``, each split's
candidates in a fixed order) also offers any task count: :meth:`Domain.with_tasks` gives the
domain whose splits hold the first ``count`` valid tasks of each stream, so a smaller count is a
prefix of a larger one. Variants share the seed databases and are built once per count.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
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
        stream: ``stream(domain) -> {split: iterable of tasks}``: every split's candidate tasks in a
            fixed order, distinct, as many as the world allows (:meth:`with_tasks`).
        max_tasks: The most tasks the stream holds, per split (``{"train": 2800, ...}``) or for
            every split (an int); None: until it ends.
        count: The tasks per split of this variant (None: the ``tasks`` source as it is).
    """

    name: str
    policy: str
    agent: Side
    tasks: Callable[[Domain], Mapping[str, Sequence[Task]]]
    user: Side | None = None
    data_seed: int = 0
    description: str = ""
    stream: Callable[[Domain], Mapping[str, Iterable[Task]]] | None = None
    max_tasks: int | Mapping[str, int] | None = None
    count: int | None = None
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

    def with_tasks(self, count: int | None) -> Domain:
        """This domain with ``count`` distinct tasks in every split: the first ``count`` valid tasks of
        each split's stream, the same ones in every process. ``None`` is the domain itself. Built once
        per count; the variant shares this domain's seed databases. Raises ``ValueError`` when the
        domain has no stream or its world holds fewer tasks (the message states the cap)."""
        if count is None or count == self.count:
            return self
        if self.count is not None:
            raise ValueError(f"{self.name!r} already has {self.count} tasks per split; ask the base domain")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"tasks must be a positive whole number, not {count!r}")
        if self.stream is None:
            raise ValueError(f"domain {self.name!r} has a fixed task list; it takes no task count")
        caps = self._caps()
        if caps and count > max(caps.values()):
            raise ValueError(f"domain {self.name!r} offers at most {self._cap_text()} tasks per split, not {count}")
        return self._once(f"tasks={count}", lambda: self._variant(count))

    def _caps(self) -> dict[str, int]:
        caps = self.max_tasks
        if caps is None:
            return {}
        return dict(caps) if isinstance(caps, Mapping) else {split: caps for split in ("train", "test")}

    def _fits(self, split: str) -> bool:
        cap = self._caps().get(split)
        return cap is None or self.count is None or self.count <= cap

    def _cap_text(self) -> str:
        caps = self._caps()
        if len(set(caps.values())) == 1:
            return str(next(iter(caps.values())))
        return ", ".join(f"{n:,} ({split})" for split, n in caps.items())

    def with_task_source(self, tasks: Callable[[Domain], Mapping[str, Sequence[Task]]]) -> Domain:
        """This domain with another fixed task source, sharing its tables, tools and seed databases
        (built here if not yet): candidate tasks are checked without building the world again."""
        other = dataclasses.replace(
            self, tasks=tasks, stream=None, max_tasks=None, count=None, _cache={}, _lock=threading.RLock()
        )
        for actor in self._sides():
            self._seed(actor)
        other._cache.update({k: v for k, v in self._cache.items() if k == "rows" or k.startswith(("rows:", "seed:"))})
        return other

    def _variant(self, count: int) -> Domain:
        variant = dataclasses.replace(self, count=count, _cache={}, _lock=threading.RLock())
        self.rows  # noqa: B018 - built here so the variant shares them
        for actor in self._sides():
            self._seed(actor)
        variant._cache.update({k: v for k, v in self._cache.items() if k == "rows" or k.startswith(("rows:", "seed:"))})
        return variant

    def splits(self) -> dict[str, list[Task]]:
        """Validated tasks by split; a task whose gold run fails or that doing nothing passes is
        dropped. A variant (:meth:`with_tasks`) builds the splits whose cap allows its count."""
        if self.count is not None:
            return {split: self.task_list(split) for split in self._streams() if self._fits(split)}
        return self._once("splits", self._build_splits)

    def task_list(self, split: str) -> list[Task]:
        """The validated tasks of one split (of a variant, only that split is built)."""
        splits = self._streams() if self.count is not None else self.splits()
        if split not in splits:
            raise KeyError(f"domain {self.name!r} has no split {split!r}; it has {sorted(splits)}")
        if self.count is not None:
            if not self._fits(split):
                raise ValueError(
                    f"domain {self.name!r} offers at most {self._caps()[split]:,} {split} tasks, not "
                    f"{self.count:,} (its caps: {self._cap_text()})"
                )
            return self._once(f"split:{split}", lambda: self._build_split(split, splits[split]))
        return splits[split]

    def task(self, task_id: str) -> Task:
        if self.count is not None:  # a variant looks in its splits one at a time, building each once
            for split in self._streams():
                if self._fits(split):
                    index = self._once(f"index:{split}", lambda s=split: {t.id: t for t in self.task_list(s)})
                    if task_id in index:
                        return index[task_id]
            raise KeyError(f"domain {self.name!r} with {self.count} tasks per split has no task {task_id!r}")
        index = self._once("index", lambda: {t.id: t for ts in self.splits().values() for t in ts})
        if task_id in index:
            return index[task_id]
        found = self._variant_task(task_id)
        if found is None:
            raise KeyError(f"domain {self.name!r} has no task {task_id!r}")
        return found

    def _variant_task(self, task_id: str) -> Task | None:
        """A task of a split some variant built in this process (a variant's task id names the
        same task in every variant), so an env without ``tasks`` can still be reset to it."""
        for key, variant in list(self._cache.items()):
            if key.startswith("tasks="):
                for split in [k.removeprefix("split:") for k in list(variant._cache) if k.startswith("split:")]:
                    index = variant._once(
                        f"index:{split}", lambda s=split, v=variant: {t.id: t for t in v.task_list(s)}
                    )
                    if task_id in index:
                        return index[task_id]
        return None

    @property
    def rejected(self) -> dict[str, str]:
        """Task ids dropped at build time, with the reason."""
        self.splits()
        return self._cache.setdefault("rejected", {})

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

    def _streams(self) -> Mapping[str, Iterable[Task]]:
        return self._once("streams", lambda: self.stream(self))

    def _build_split(self, split: str, candidates: Iterable[Task]) -> list[Task]:
        """The first :attr:`count` valid tasks of a split's stream."""
        rejected = self._cache.setdefault("rejected", {})
        seats, reads = self.seats(), self._cache.setdefault("reads", {})
        kept: list[Task] = []
        for task in candidates:
            task, reason = self._validate(task, seats, reads)
            if reason:
                rejected[task.id] = reason
            else:
                kept.append(task)
                if len(kept) == self.count:
                    return kept
        raise ValueError(
            f"domain {self.name!r} holds {len(kept)} distinct valid {split} tasks, fewer than the "
            f"{self.count} asked for: its world allows at most {len(kept)} per {split} split"
        )

    def _validate(self, task: Task, seats: Mapping[str, Seat], reads: dict | None = None) -> tuple[Task, str | None]:
        """Replay the gold calls; mark read-only tasks (their call sequence is reported); reject what
        doing nothing passes.

        ``reads`` (given for task streams, whose domains' reads only read the database) memoises
        the answers of reads made at the seed state, before the task's first write: they are the
        same for every task, an exact shortcut for large task counts.
        """
        for seat in seats.values():
            seat.reset()
        try:
            change = self.replay(task, seats) if reads is None else self._replay_memo(task, seats, reads)
        except Exception as exc:  # a gold call that fails makes the task invalid
            return task, f"gold call failed: {exc}"
        read_only = all(self._kind(c) == READ for c in task.gold_calls)
        task = dataclasses.replace(task, exact_match=read_only)
        if not change and not task.outputs:
            return task, "a do-nothing agent passes: the gold run changes nothing and no output is required"
        self._cache.setdefault("gold", {})[task.id] = change
        return task, None

    def _replay_memo(self, task: Task, seats: Mapping[str, Seat], reads: dict) -> Changes:
        """:meth:`replay`, answering reads at the untouched seed state from ``reads`` (an error
        answer is remembered too, so a failing read fails every task that makes it)."""
        pristine = True
        for call in task.gold_calls:
            if call.actor not in seats:
                raise ToolError(f"this domain has no {call.actor} tools")
            tool = self._tools(call.actor).get(call.name)
            kind = tool.kind if tool is not None else None
            key = (call.actor, call.name, repr(call.arguments))
            if pristine and kind == READ and key in reads:
                ok, text = reads[key]
            else:
                answer = seats[call.actor].call(call.name, call.arguments)
                ok, text = answer.ok, answer.text
                if pristine and kind == READ:
                    reads[key] = (ok, text)
            if not ok:
                raise ToolError(text.removeprefix("Error: "))
            pristine = pristine and kind == READ
        return changes(seats)

    def _kind(self, call) -> str:
        return self._tools(call.actor)[call.name].kind
