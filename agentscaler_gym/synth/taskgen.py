"""Stage 5: tasks from directed walks over a domain's tool dependency graph.

Tool B depends on tool A when B can consume a value A returns: a row of the entity B acts on, a
row whose foreign key names it, a parent row B's foreign-key argument can take, or a row whose text
column names the thing one of B's arguments names (``schema.value_links``: the concert found gives
the artist a ticket is booked for; a hotel is booked with the name and location of the one found).
What a step takes from the record just found comes from that answer, not from the user. A walk starts
at a tool, samples its arguments from the database state (what the user knows), executes it on the
real runtime, and moves to a tool that consumes the output (what the agent must chain). A record
the user would name rather than quote an id for is first found by a search on facts a person holds
(a name and a date of birth; or the parent's records listed and the described one picked), so its
id comes from an answer. The gold calls are what executed; the gold final state is their replay
(``Domain.gold``). The user's request is written from templates, several wordings per operation,
one phrase per step (optionally rewritten by a paraphrase hook). Walks that chain answers and
follow new tool sequences are kept first; the test split holds whole tool sequences.

Same domain, seed and settings give the same tasks: every random choice comes from one
``random.Random`` seeded with a string.
"""

from __future__ import annotations

import collections
import dataclasses
import importlib
import itertools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import Domain
from ..tasks import ASSISTANT, Scenario, Task, ToolCall
from ..tools import ToolError, validate_arguments
from ..user_acts import topic_terms
from .compute import compute_task
from .operators import WRITES, rule_problem
from .schema import named_concept, value_links
from .spec import ColumnSpec, DomainSpec, EntitySpec, OperatorSpec, ToolSpec
from .values import first_key, new_value
from .words import FINAL_STATES, human, plural, words

PERSONAS = [
    "You are polite and brief.",
    "You are in a hurry and answer in few words.",
    "You are friendly and chatty.",
    "You are careful and double-check details.",
    "You are new to this service and a bit unsure.",
]


@dataclass
class TaskSettings:
    """How many tasks to make, and how.

    Attributes:
        count: Tasks wanted per domain (about a third go to ``test``, the rest to ``train``).
        walk_length: Shortest and longest task, in gold calls (lookups included; at most 6).
        attempts: Walks tried per task wanted before giving up.
        read_only_share: Most of a domain's tasks that only read, as a share of its tasks (a
            domain with fewer than ``FEWEST`` write tasks fills up to ``FEWEST`` with reads; a
            domain without write tools gives ``LOOKUP_ONLY`` tasks).
        paraphrase: ``"module:function"`` rewriting the user's templated opening and instruction
            (e.g. with an LLM); it must keep every value, and should be deterministic.
    """

    count: int = 24
    walk_length: tuple[int, int] = (2, 6)
    attempts: int = 8
    read_only_share: float = 0.4
    paraphrase: str | None = None


FEWEST = 6  # tasks a domain needs to keep two of each split through validation, with a margin
# Tasks of a domain whose tools only read: two of each split, the fewest a domain is kept with. Such
# domains are most of a function corpus (BFCL: 101 of 176), and every task of theirs is read-only;
# at six tasks each they made 45% of BFCL's tasks read-only. At four their tools are still exercised
# in chained lookups, and the tasks that change state, which lookups cannot teach, are the majority.
LOOKUP_ONLY = 4


def dependency_graph(spec: DomainSpec) -> dict[str, list[str]]:
    """``{tool: [tools that can consume its output]}``, in tool order."""
    entities = {e.name: e for e in spec.entities}
    links = value_links(spec.entities)
    tools = [t for t in spec.tools if t.operator.op != "compute"]  # a computation reads no row
    graph = {t.name: [] for t in spec.tools}
    for a in tools:
        produced = a.operator.entity if a.operator.op != "delete" else None
        graph[a.name] = [b.name for b in tools if b is not a and produced and _consumes(b, produced, entities, links)]
    return graph


def _consumes(tool: ToolSpec, produced: str, entities: Mapping[str, EntitySpec], links: Mapping = {}) -> bool:
    """Whether ``tool`` can take a value from a record of ``produced``: the record itself (its key or
    its values), a foreign key to or from it, or a text column that names the same thing as one of
    the record's (a ticket's ``artist`` from a concert found)."""
    op = tool.operator
    roles = op.args.values()
    if op.entity == produced and any(r in ("key", "value") for r, _ in roles):
        return True
    parent_refs = {c.name: c.references for c in entities[op.entity].columns}
    if any(r == "value" and parent_refs.get(c) == produced for r, c in roles):
        return True
    if any(r in ("key", "value") and produced in links.get((op.entity, c), ()) for r, c in roles):
        return True
    child_refs = {c.references for c in entities[produced].columns}
    return op.entity in child_refs and any(r == "key" for r, _ in roles)


def generate_tasks(
    spec: DomainSpec, domain: Domain, seed: int = 0, settings: TaskSettings = TaskSettings()
) -> tuple[dict[str, list[dict]], collections.Counter]:
    """``({"train": [task dict], "test": [...]}, reasons walks were dropped)``.

    Walks are preferred in this order: those whose gold calls need a value only an earlier answer
    gives and whose tool sequence is new, chained ones of a known sequence, the others (a domain
    whose graph allows no chaining still gets tasks), new sequences first; one-call walks only fill
    a domain that gives fewer than ``FEWEST`` longer ones. See :func:`_select` for the read-only share."""
    rng = random.Random(f"tasks:{seed}:{spec.name}")
    lo, hi = settings.walk_length
    walker = _Walker(spec, domain, rng, hi)
    graph = dependency_graph(spec)
    starts = [t.name for t in spec.tools]
    rng.shuffle(starts)
    dropped: collections.Counter = collections.Counter()
    writes = any(t.operator.op in WRITES for t in spec.tools)
    want = settings.count if writes else min(settings.count, LOOKUP_ONLY)
    share = settings.read_only_share
    patience = min(max(settings.count, 24), 200)  # fruitless walks before settling for what was found
    found: list[tuple[int, Task]] = []  # (preference tier, task), in the order walked
    best: list[tuple[int, Task]] = []  # the first tier alone
    seen: set[str] = set()
    sequences: set[tuple[str, ...]] = set()
    duplicates = stale = 0
    enough = False  # the first tier alone gives the tasks wanted
    failures: collections.Counter = collections.Counter()
    for attempt in range(settings.count * settings.attempts):
        if not starts or enough:
            break
        if (stale > patience or len(found) >= 4 * want) and attempt % 8 == 0:
            if len(_select(found, want, share)) >= want:
                break  # new sequences have stopped coming, or four times the count was found: that will do
        stale += 1
        start = starts[attempt % len(starts)]
        walk = walker.walk(start, rng.randint(lo, hi), graph, attempt)
        if isinstance(walk, str):
            dropped[walk] += 1
            failures[start] += 1
            if failures[start] >= 3:  # a start that keeps failing is not tried again
                starts.remove(start)
            continue
        failures[start] = -100
        signature = repr([(c.name, sorted(c.arguments.items())) for c in walk.gold_calls])
        if signature in seen:
            dropped["duplicate walk"] += 1
            duplicates += 1
            if duplicates > patience:  # the domain has few distinct walks: stop looking
                break
            continue
        seen.add(signature)
        duplicates = 0  # (in a row)
        walker.kept(walker.last_path)
        sequence = tuple(c.name for c in walk.gold_calls)
        new = sequence not in sequences
        sequences.add(sequence)
        if len(walk.gold_calls) < max(lo, 2) <= hi:
            tier = SINGLE
        else:
            tier = (0 if new else 1) if walker.last_chained else (2 if new else 3)
        found.append((tier, walk))
        if new:
            stale = 0
        if tier == 0:
            best.append((tier, walk))
            enough = len(_select(best, want, share)) >= want
    tasks = _select(found, want, share)
    dropped["walk not kept (enough better ones)"] += len(found) - len(tasks)
    if settings.paraphrase:
        rewrite = _resolve(settings.paraphrase)
        tasks = [
            dataclasses.replace(
                t,
                scenario=dataclasses.replace(
                    t.scenario, opening=rewrite(t.scenario.opening), instruction=rewrite(t.scenario.instruction)
                ),
            )
            for t in tasks
        ]
    named = [_task_dict(t, i) for i, t in enumerate(tasks)]
    test = _held_out(named, rng)
    return {
        "train": [t for i, t in enumerate(named) if i not in test],
        "test": [t for i, t in enumerate(named) if i in test],
    }, dropped


SINGLE = 4  # the preference tier of a one-call walk


def _select(found: list[tuple[int, Task]], want: int, share: float) -> list[Task]:
    """At most ``want`` tasks, best tiers first, in the order walked. Read-only tasks (they end on
    an answer to report) are at most ``share`` of them, except that a domain with fewer than
    ``FEWEST`` tasks that write fills up to ``FEWEST`` with reads; one-call walks fill only that far."""
    ranked = sorted(range(len(found)), key=lambda i: (found[i][0], i))
    longer = [i for i in ranked if found[i][0] != SINGLE]
    reads = [i for i in longer if found[i][1].outputs]
    writes = [i for i in longer if not found[i][1].outputs]
    w = min(len(writes), want - min(len(reads), math.floor(want * share)))
    r = min(len(reads), want - w, max(FEWEST - w, math.floor(w * share / (1 - share))))
    chosen = writes[:w] + reads[:r]
    for i in ranked:
        if len(chosen) >= min(want, FEWEST):
            break
        if found[i][0] == SINGLE:
            chosen.append(i)
    return [found[i][1] for i in sorted(chosen)]


def _held_out(tasks: list[dict], rng: random.Random) -> set[int]:
    """Indices of the test tasks: whole tool sequences, about a third of the tasks, so a test task's
    sequence is one train never shows. Where the sequences cannot give two tasks to each side, one
    task in three is held out whatever its sequence."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, t in enumerate(tasks):
        groups.setdefault(tuple(c["name"] for c in t["gold_calls"]), []).append(i)
    want = max(len(tasks) // 3, 2)
    order = list(groups)
    rng.shuffle(order)
    test: set[int] = set()
    for sequence in order:
        if len(test) + len(groups[sequence]) <= want:
            test.update(groups[sequence])
    for group in sorted((g for g in groups.values() if g[0] not in test), key=len):
        if len(test) >= 2 or len(tasks) - len(test) - len(group) < 2:
            break
        test.update(group)
    if len(test) < 2 or len(tasks) - len(test) < 2:  # one task in three, and two at least
        third = list(range(2, len(tasks), 3))
        return set(third + [i for i in reversed(range(len(tasks))) if i not in third][: max(0, 2 - len(third))])
    return test


def _resolve(path: str) -> Callable[[str], str]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _task_dict(task: Task, index: int) -> dict:
    d = task.to_dict()
    d["id"] = f"{task.family}-{index:03d}"
    d.pop("exact_match", None)
    return d


# ---------------------------------------------------------------------------------------------


class _Walker:
    def __init__(self, spec: DomainSpec, domain: Domain, rng: random.Random, longest: int = 6):
        self.spec, self.domain, self.rng, self.longest = spec, domain, rng, longest
        self.walked: collections.Counter = collections.Counter()  # prefixes of kept walks' own steps
        self.last_path: tuple[str, ...] = ()  # the tools of the last task's own steps (lookups left out)
        self.last_chained = False  # whether that task needs a value only an earlier answer gives
        self.cache: dict[tuple[str, int], list[dict]] = {}  # rows per table, while the database stays as is
        self.tools = {t.name: t for t in spec.tools}
        self.entities = {e.name: e for e in spec.entities}
        self.models = {m._meta.table_name: m for m in domain.agent.models}
        self.db = domain.seats()[ASSISTANT].db
        self.links = value_links(spec.entities)
        self.children = collections.defaultdict(list)
        for e in spec.entities:
            for c in e.columns:
                if c.references:
                    self.children[c.references].append((e.name, c.name))

    def walk(self, start: str, length: int, graph: Mapping[str, list[str]], index: int) -> Task | str:
        """One walk of at most ``length`` gold calls from ``start``, lookups included. The next tool is
        one whose output-consuming prefix has been walked least (writes first, more often than not),
        so distinct tool sequences keep growing with the number of tasks asked for."""
        self.db.reset()
        self.last_path, self.last_chained = (start,), False
        if self.tools[start].operator.op == "compute":
            task = compute_task(
                self.tools[start], self.domain.tools[start], self.db, self.rng, index, OPENINGS, PERSONAS
            )
            return task if task is not None else "computation without a result on the drawn inputs"
        calls: list[ToolCall] = []
        steps: list[_Step] = []
        chains: list[tuple[str, dict] | None] = []
        chain: tuple[str, dict] | None = None  # (entity, row) the last call returned
        path: tuple[str, ...] = ()
        options: list[str] = []  # the tools that may come next
        name = start
        if self.tools[start].operator.session and self.tools[start].operator.op != "login":
            login = login_step(self, self.tools[start].operator.session)  # the session comes first
            if isinstance(login, str):
                return login
            calls.append(ToolCall(login.tool, login.arguments))
            steps.append(login)
            chains.append(None)
        while len(calls) < length:
            step = self._arguments(self.tools[name], chain, index * 10 + len(steps))
            if isinstance(step, str):
                if not calls:
                    return step
                break
            if step.op in READS and any(c.name == name and c.arguments == step.arguments for c in calls):
                options = [n for n in options if n != name]  # the same lookup again would answer nothing new
                if not options:
                    break
                name = self._next(path, options)
                continue
            budget = (max(length, self.longest) if not calls else length) - len(calls) - 1
            searches = self._lookups(step, budget)
            if searches is None:  # the user would need the step's records but cannot find them in budget
                break
            for search, found in searches:  # the user knows records by what a person knows, not by an id
                calls.append(ToolCall(search.tool, search.arguments))
                steps.append(search)
                chains.append(found)
            try:
                result = self.db.run(self.domain.tools[name], step.arguments)
            except ToolError:
                del calls[len(calls) - len(searches) :], steps[len(steps) - len(searches) :]
                del chains[len(chains) - len(searches) :]
                if not calls:
                    return "the first call failed"
                break
            calls.append(ToolCall(name, step.arguments))
            steps.append(step)
            chain = _chained_row(self.tools[name], result)
            chains.append(chain)
            path += (name,)
            options = [n for n in graph.get(name, []) if chain is not None]
            if not options:
                break
            name = self._next(path, options)
        if not calls:
            return "empty walk"
        writes = [c for c in calls if self.tools[c.name].operator.op in WRITES]
        if writes and not self.db.changes():
            return "the walk's writes cancel out"
        outputs: tuple[str, ...] = ()
        if all(self.tools[c.name].operator.op in ("login",) + READS for c in calls):
            while steps and chains[-1] is None:  # end on the last call that found exactly one record
                steps, calls, chains = steps[:-1], calls[:-1], chains[:-1]
            if not steps:
                return "read-only walk with nothing to report"
            chain = chains[-1]
            answer = self._answer(steps[-1], chain)
            if answer is None:
                return "read-only walk with nothing to report"
            steps[-1].suffix = f", and tell me its {human(answer[0])}"
            outputs = (answer[1],)
        return self._task(calls, steps, outputs, index)

    def _next(self, path: tuple[str, ...], options: list[str]) -> str:
        least = min(self.walked[path + (n,)] for n in options)
        fresh = [n for n in options if self.walked[path + (n,)] == least]
        writes = [n for n in fresh if self.tools[n].operator.op in WRITES]
        return self.rng.choice(writes if writes and self.rng.random() < 0.6 else fresh)

    def kept(self, path: tuple[str, ...]) -> None:
        """Count a kept walk's prefixes (its own steps, lookups left out) for :meth:`_next`."""
        for end in range(1, len(path) + 1):
            self.walked[path[:end]] += 1

    # -- arguments -------------------------------------------------------------------------------

    def _lookups(self, step: _Step, budget: int) -> list[tuple[_Step, tuple[str, dict]]] | None:
        """Searches that find the records ``step`` names by id (its own, or a foreign key) through
        facts the user holds: the record's own facts (a name and a date of birth), or its parent's
        records listed and the one the user describes picked. Each search runs now and must answer
        that record; the step's id then comes from the answer, so the user never has to know it.
        None when the searches the step needs do not fit in ``budget`` calls."""
        found: list[tuple[_Step, tuple[str, dict]]] = []
        for param in list(step.arguments):
            column = step.columns[param]
            if step.sources[param] != "user" or isinstance(step.arguments[param], bool):
                continue
            own = self.entities[step.entity]
            target = step.entity if column == own.key and step.op != "create" else _references(own, column)
            if target is None:
                continue
            searches = self._lookup(target, step.arguments[param])
            if not searches:
                continue
            if len(found) + len(searches) > budget:
                return None if budget > 0 and not found else found
            step.sources[param] = "chain"
            found += searches
        return found

    def _lookup(self, name: str, key: Any) -> list[tuple[_Step, tuple[str, dict]]]:
        """The searches that find record ``key`` of entity ``name`` (ran in order), or ``[]``."""
        row = self._row(name, key)
        if row is None:
            return []
        own = self._own_search(name, row)
        if own is not None:
            return [own]
        return self._parent_search(name, row)

    def _list_tools(self, name: str) -> list[ToolSpec]:
        return [t for t in self.tools.values() if t.operator.op == "list" and t.operator.entity == name]

    def _facts(self, entity: EntitySpec, tool: ToolSpec, row: Mapping) -> list[tuple[str, str]]:
        """``(param, column)`` of ``tool``'s filters on facts a person knows of ``row``: its names,
        dates and other free text (not its ids, not a choice from a list)."""
        params = tool.parameters["properties"]
        columns = self._columns(entity)
        out = []
        for param, (role, column) in sorted(tool.operator.args.items()):
            meta = columns.get(column)
            if (
                role == "value"
                and meta is not None
                and column != entity.key
                and not meta.references
                and not meta.enum
                and meta.type == "string"
                and params[param].get("type") == "string"
                and row.get(column)
            ):
                out.append((param, column))
        return out

    def _own_search(self, name: str, row: dict) -> tuple[_Step, tuple[str, dict]] | None:
        """A search by the fewest of the record's own facts that tell it apart."""
        entity = self.entities[name]
        for tool in self._list_tools(name):
            facts = self._facts(entity, tool, row)
            for size in range(1, min(3, len(facts)) + 1):
                for chosen in itertools.combinations(facts, size):
                    if not self._unique(name, row, [c for _, c in chosen]):
                        continue
                    search = _Step(tool.name, "list", name, lookup=True)
                    for param, column in chosen:
                        search.set(param, row[column], "user", column)
                    result = self._search(tool, search, row)
                    if result is not None and len(result) == 1:
                        return search, (name, result[0])
        return None

    def _parent_search(self, name: str, row: dict) -> list[tuple[_Step, tuple[str, dict]]]:
        """The records of the record's parent listed (the parent found by its own facts when it can
        be), and the record picked from them by a fact the user describes it with."""
        entity = self.entities[name]
        for tool in self._list_tools(name):
            for param, (role, column) in sorted(tool.operator.args.items()):
                parent = _references(entity, column)
                if role != "value" or parent is None or parent == name or row.get(column) is None:
                    continue
                before = self._own_search(parent, self._row(parent, row[column]) or {})
                search = _Step(tool.name, "list", name, lookup=True)
                search.set(param, row[column], "chain" if before else "user", column)
                result = self._search(tool, search, row)
                if not result:
                    continue
                pick = self._pick(entity, result, row, set(search.columns.values()))
                if pick is None:
                    continue
                search.pick = pick
                mine = next(r for r in result if r[entity.key] == row[entity.key])
                return ([before] if before else []) + [(search, (name, mine))]
        return []

    def _search(self, tool: ToolSpec, search: _Step, row: Mapping) -> list[dict] | None:
        """Run ``search`` (its other required filters from ``row``); its answer if ``row`` is in it."""
        entity = self.entities[search.entity]
        args = tool.operator.args
        for param in tool.parameters.get("required", ()):
            role, column = args.get(param, ("ignored", None))
            if param in search.arguments:
                continue
            if role != "value" or row.get(column) is None:
                return None
            search.set(param, row[column], "user", column)
        fitted = self._fitted(search, tool)
        if isinstance(fitted, str):
            return None
        try:
            result = self.db.run(self.domain.tools[tool.name], search.arguments)
        except ToolError:
            return None
        if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
            return None
        if not any(r.get(entity.key) == row[entity.key] for r in result):
            return None
        return result

    def _pick(self, entity: EntitySpec, result: list[dict], row: Mapping, given: set[str]) -> tuple[str, Any] | None:
        """``(column, value)`` telling ``row`` apart from the other listed records (``()`` if it is the
        only one), preferring a choice from a list (an account type), then text, then anything said."""
        if len(result) == 1:
            return ()
        columns = [
            c
            for c in entity.columns
            if c.name not in given
            and c.name != entity.key
            and not c.references
            and c.type not in ("json", "boolean")
            and row.get(c.name) not in (None, "")
            and sum(str(r.get(c.name)).lower() == str(row[c.name]).lower() for r in result) == 1
        ]
        columns.sort(key=lambda c: (not c.enum, c.type != "string"))
        return (columns[0].name, row[columns[0].name]) if columns else None

    def _arguments(self, tool: ToolSpec, chain: tuple[str, dict] | None, index: int) -> _Step | str:
        op = tool.operator
        entity = self.entities[op.entity]
        kind = op.op
        params = tool.parameters["properties"]
        required = set(tool.parameters.get("required", ()))
        roles = {p: tuple(rc) for p, rc in op.args.items()}
        step = _Step(tool.name, kind, entity.name)
        row, chained = self._target_row(op, entity, chain)
        if row is None and kind != "create":
            return f"no row a {kind} can act on"
        # the record the last call answered: what the step takes from it comes from that answer
        found = "chain" if chain is not None and chain[0] == entity.name and row is not None else "user"
        for param, (role, column) in roles.items():
            schema = params[param]
            must = param in required
            linked = self._linked(entity.name, column, chain) if role == "value" else None
            if linked is not None and (kind in ("list", "create") or chain[0] != entity.name):
                step.set(param, linked, "chain", column)  # the record just found names it
                step.via = chain[0]
            elif role == "key" and kind == "create":
                step.set(param, first_key(entity, 100 + index) if column == entity.key else None, "user", column)
            elif role == "key":
                step.set(param, row[column], "chain" if chained else "user", column)
            elif role == "value" and kind == "list":
                if must and found == "chain":
                    step.via = chain[0]
                if must or self._chain_filter(column, entity, chain):
                    step.set(
                        param, row[column], "chain" if self._chain_filter(column, entity, chain) else found, column
                    )
            elif role in ("min", "max") and must:
                step.set(param, row.get(column), "user", column)
            elif role == "value" and kind in ("create", "update", "transition"):
                parent = _references(entity, column)
                if parent:
                    if must or kind == "create" or self.rng.random() < 0.3:
                        value, source = self._parent_key(parent, chain, row[column] if row else None)
                        if value is None:
                            return "no row to refer to"
                        step.set(param, value, source, column)
                elif must or (kind == "create" and self.rng.random() < 0.3):
                    value = self._named(entity.name, column) if kind == "create" else None
                    step.set(param, value or self._new(entity, column, schema, index, row), "user", column)
            elif must:
                step.set(param, self._filler(column, schema, index), "user", column)
        if kind == "list" and not any(roles[p][0] in ("value", "key", "min", "max") for p in step.arguments):
            self._pick_filter(step, roles, params, entity, row, found)
        if kind == "update" and not any(roles[p][0] == "value" for p in step.arguments):
            problem = self._one_change(step, roles, params, entity, row, index)
            if problem:
                return problem
        return self._fitted(step, tool)

    def _one_change(
        self, step: _Step, roles: Mapping, params: Mapping, entity: EntitySpec, row: dict, index: int
    ) -> str | None:
        """An update whose every value is optional still changes one: pick it and a new value."""
        options = [p for p, (r, c) in roles.items() if r == "value" and c in self._columns(entity)]
        if not options:
            return "update with nothing to change"
        param = self.rng.choice(options)
        column = roles[param][1]
        parent = _references(entity, column)
        if parent:
            value, source = self._parent_key(parent, None, row[column])
            if value is None:
                return "no other row to refer to"
            step.set(param, value, source, column)
        else:
            step.set(param, self._new(entity, column, params[param], index, row), "user", column)
        return None

    def _fitted(self, step: _Step, tool: ToolSpec) -> _Step | str:
        """The step with each argument in its schema's type, if they all fit and validate."""
        params = tool.parameters["properties"]
        fitted = {param: _fit(value, params[param]) for param, value in step.arguments.items()}
        if any(value is None for value in fitted.values()):
            return "argument does not fit its schema"
        rules = tool.operator.rules
        if any(rule_problem(rules.get(param, {}), value) for param, value in fitted.items()):
            return "argument breaks a rule its schema states"
        step.arguments = fitted
        try:
            validate_arguments(self.domain.tools[tool.name], step.arguments)
        except ToolError:
            return "arguments do not validate"
        return step

    def _target_row(
        self, op: OperatorSpec, entity: EntitySpec, chain: tuple[str, dict] | None
    ) -> tuple[dict | None, bool]:
        """The row a call acts on: the chained row (or the one its foreign key names), else one sampled from the state."""
        name = entity.name
        if chain is not None:
            chained_entity, chained_row = chain
            if chained_entity == name:
                return self._row(name, chained_row[entity.key]), True
            for column in self._columns(self.entities[chained_entity]).values():
                if column.references == name and chained_row.get(column.name) is not None:
                    return self._row(name, chained_row[column.name]), True
            fks = [c.name for c in entity.columns if c.references == chained_entity]
            if fks and op.op != "create":
                key = chained_row[self.entities[chained_entity].key]
                rows = [r for r in self._rows(name) if r[fks[0]] == key]
                return (self.rng.choice(rows) if rows else None), False
            named = {
                c: self.links[(name, c)][chained_entity]
                for r, c in op.args.values()
                if r in ("key", "value") and chained_entity in self.links.get((name, c), ())
            }
            if named and op.op != "create":  # a record that names the same thing as the one found
                rows = [r for r in self._rows(name) if all(r.get(c) == chained_row.get(o) for c, o in named.items())]
                return (self.rng.choice(rows) if rows else None), False
        if op.op == "create":
            return None, False
        rows = self._rows(name)
        if op.op == "transition":
            t = op.transition
            rows = [
                r
                for r in rows
                if r.get(t.column) != t.to
                and (r.get(t.column) in t.start if t.start else r.get(t.column) not in FINAL_STATES)
            ]
        elif op.op == "delete":
            rows = [r for r in rows if not self._has_children(name, r[entity.key])]
        if any(r == "key" and c != entity.key for r, c in op.args.values()):
            rows = [r for r in rows if self._unique(name, r, [c for r_, c in op.args.values() if r_ == "key"])]
        return (self.rng.choice(rows) if rows else None), False

    def _linked(self, entity: str, column: str, chain: tuple[str, dict] | None) -> Any:
        """The value the chained record gives ``column`` of ``entity``, or None: one of its own names
        or places (the same entity: a booking of the hotel found takes its name and location), or
        its column that names the same thing (:func:`value_links`)."""
        if chain is None:
            return None
        other, row = chain
        if other == entity:
            meta = self._columns(self.entities[entity]).get(column)
            own = meta is not None and column != self.entities[entity].key and _identifies(entity, meta)
            value = row.get(column) if own else None
        else:
            source = self.links.get((entity, column), {}).get(other)
            value = row.get(source) if source else None
        return None if value in (None, "") else value

    def _named(self, entity: str, column: str) -> Any:
        """For a new record, a thing that exists, named as a record of another table names it (a
        ticket for an artist who plays): None when ``column`` names nothing another table holds."""
        values = [r.get(c) for other, c in self.links.get((entity, column), {}).items() for r in self._rows(other)]
        values = [v for v in values if v not in (None, "")]
        return self.rng.choice(values) if values else None

    def _chain_filter(self, column: str, entity: EntitySpec, chain: tuple[str, dict] | None) -> bool:
        return chain is not None and _references(entity, column) == chain[0]

    def _pick_filter(
        self, step: _Step, roles: Mapping, params: Mapping, entity: EntitySpec, row: dict, source: str = "user"
    ) -> None:
        """A search needs at least one filter the user gives: prefer one that finds exactly this row."""
        options = [
            p
            for p, (r, c) in roles.items()
            if r in ("value", "key") and c in self._columns(entity) and row.get(c) is not None
        ]
        if not options:
            return
        unique = [p for p in options if self._unique(entity.name, row, [roles[p][1]])]
        param = self.rng.choice(unique or options)
        step.set(param, row[roles[param][1]], source, roles[param][1])

    def _filler(self, column: str, schema: Mapping, index: int) -> Any:
        """A value for a required argument the operator does not use: a real key if it names an entity."""
        entity = column[:-3] if column.endswith("_id") else None
        if entity in self.entities:
            rows = self._rows(entity)
            if rows:
                return self.rng.choice(rows)[self.entities[entity].key]
        return new_value(column, ColumnSpec(column, "string"), schema, index, self.rng)

    def _parent_key(self, parent: str, chain: tuple[str, dict] | None, current: Any) -> tuple[Any, str]:
        if chain is not None and chain[0] == parent:
            return chain[1][self.entities[parent].key], "chain"
        if chain is not None:  # the chained record's own parent: the same customer, not a random one
            for column in self.entities[chain[0]].columns:
                value = chain[1].get(column.name)
                if column.references == parent and value is not None and value != current:
                    return value, "chain"
        keys = [r[self.entities[parent].key] for r in self._rows(parent)]
        keys = [k for k in keys if k != current]
        return (self.rng.choice(keys), "user") if keys else (None, "user")

    def _new(self, entity: EntitySpec, column: str, schema: Mapping, index: int, row: dict | None) -> Any:
        meta = self._columns(entity).get(column) or ColumnSpec(column, "string")
        for attempt in range(6):
            value = new_value(entity.name, meta, schema, 200 + index * 7 + attempt, self.rng)
            if row is None or _fit(row.get(column), schema) != value:
                return value
        return value

    def _answer(self, step: _Step, chain: tuple[str, dict] | None) -> tuple[str, str] | None:
        if chain is None:
            return None
        entity = self.entities[chain[0]]
        given = set(step.columns.values())
        options = [
            c.name
            for c in entity.columns
            if c.name not in given
            and c.type != "json"
            and c.name != entity.key
            and chain[1].get(c.name) not in (None, "")
            and "?" not in str(chain[1][c.name])
        ]  # a question in the answer would read as one
        short = [c for c in options if len(_text(chain[1][c])) <= 60]  # a fact to report, not a paragraph
        if not options:
            return None
        column = self.rng.choice(short or options)
        return column, _text(chain[1][column])

    # -- state -----------------------------------------------------------------------------------

    def _rows(self, entity: str) -> list[dict]:
        version = (entity, self.db.conn.total_changes)  # grows with every row written: a cache key
        if version not in self.cache:
            with self.db.active():
                self.cache = {k: v for k, v in self.cache.items() if k[1] == version[1]}
                self.cache[version] = [dict(row.__data__) for row in self.models[entity].find_all()]
        return self.cache[version]

    def _row(self, entity: str, key: Any) -> dict | None:
        model = self.models[entity]
        with self.db.active():
            row = model.find(**{model._meta.primary_key.name: key})
        return dict(row.__data__) if row is not None else None

    def _has_children(self, entity: str, key: Any) -> bool:
        with self.db.active():
            return any(self.models[child].find(**{column: key}) is not None for child, column in self.children[entity])

    def _unique(self, entity: str, row: Mapping, columns: Sequence[str]) -> bool:
        values = [str(row.get(c)).lower() for c in columns]
        return sum(1 for r in self._rows(entity) if [str(r.get(c)).lower() for c in columns] == values) == 1

    def _columns(self, entity: EntitySpec) -> dict[str, ColumnSpec]:
        return {c.name: c for c in entity.columns}

    # -- the user's request ------------------------------------------------------------------------

    def _task(self, calls: list[ToolCall], steps: list[_Step], outputs: tuple[str, ...], index: int) -> Task:
        # The user holds the facts and gives them when asked; the opening states only the goal, and
        # the values it cannot hand out by topic (a second, different amount; lists; yes/no).
        known: dict[str, str] = {}
        hidden: list[set[str]] = []
        for s in steps:
            hide = set()
            for param, source in s.sources.items():
                value = s.arguments[param]
                if source != "user" or isinstance(value, (bool, list, dict)):
                    continue
                if known.setdefault(human(param), _text(value)) == _text(value):
                    hide.add(param)
            hidden.append(hide)
            s.variant = self.rng.randrange(12)
        for s in steps:  # the fact a listed record is picked by is the user's too (said in the opening)
            if s.pick:
                known.setdefault(human(s.pick[0]), _text(s.pick[1]))
        terms = {topic: set(topic_terms(topic)) for topic in known}
        vague = {t for t in known if not terms[t] or any(o != t and terms[t] <= terms[o] for o in known)}
        for hide in hidden:  # a question about "to date" could be read as one about the
            hide -= {p for p in hide if human(p) in vague}  # date of birth: such a value is said up front
        said = {v.lower() for v in known.values()}
        self.last_path = tuple(s.tool for s in steps if not s.lookup)
        self.last_chained = any(
            source == "chain" and _text(s.arguments[p]).lower() not in said
            for s in steps
            for p, source in s.sources.items()
        )
        request = _request([s.describe(self.tools[s.tool], self.entities) for s in steps], steps, outputs)
        goal = _request(
            [s.describe(self.tools[s.tool], self.entities, h) for s, h in zip(steps, hidden)], steps, outputs
        )
        opening = self.rng.choice(OPENINGS).format(goal)
        instruction = f"You want to {request}. Give the details you know when the assistant asks for them."
        family = "-".join(s.op for s in steps)
        persona = self.rng.choice(PERSONAS)
        return Task(
            f"{family}-{index:03d}", family, Scenario(opening, instruction, known, persona), tuple(calls), outputs
        )


@dataclass
class _Step:
    tool: str
    op: str
    entity: str
    lookup: bool = False  # a search for a record a later step acts on

    def __post_init__(self):
        self.arguments: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.columns: dict[str, str] = {}
        self.suffix = ""  # what the user also asks to be told, after the last step
        self.pick: tuple[str, Any] | tuple[()] = ()  # the fact that tells the wanted record from the listed ones
        self.via = ""  # the entity of the record found before whose names some arguments take
        self.variant = 0  # which wording of the step

    def set(self, param: str, value: Any, source: str, column: str) -> None:
        if value is None:
            return
        self.arguments[param], self.sources[param], self.columns[param] = value, source, column

    def describe(self, tool: ToolSpec, entities: Mapping[str, EntitySpec], hidden: set[str] = frozenset()) -> str:
        """The step in words; the values of ``hidden`` arguments are left for the user to give when asked."""
        entity = human(self.entity)
        op = tool.operator
        keys = [p for p, (r, _) in op.args.items() if r == "key" and p in self.arguments]
        values = [p for p in self.arguments if p not in keys]
        given = [p for p in values if self.sources[p] == "user" and p not in hidden]
        linked = [p for p in values if self.sources[p] == "chain"]
        if keys and self.sources[keys[0]] == "chain":
            ref = f"that {entity}"
        elif keys and keys[0] in hidden:
            ref = f"my {entity}"
        elif keys:
            ref = f"the {entity} with {human(self.columns[keys[0]])} {_quote(self.arguments[keys[0]])}"
        else:
            ref = f"the {entity}"
        details = ", ".join(f"{human(self.columns[p])} {_quote(self.arguments[p])}" for p in given)
        unsaid = [p for p in values if self.sources[p] == "user" and p in hidden]
        if unsaid and self.op in ("create", "update", "transition", "list"):
            topics = _and([human(self.columns[p]) for p in unsaid])
            details = ", ".join(
                x for x in (details, f"{_an(topics)} {topics} I will give you" if self.op != "update" else "") if x
            )
        parents = {p: _references(entities[self.entity], self.columns[p]) for p in linked}
        link = "".join(f" for that {human(parent)}" for parent in parents.values() if parent)
        taken = [human(self.columns[p]) for p, parent in parents.items() if not parent]
        if self.via and taken:  # values the record found before gives
            same = f" with the same {_and(taken)} as that one"
            link += f" for that {human(self.via)}" if self.via != self.entity else same
        if self.op == "login":
            return "log in to my account"
        if self.op == "get":
            return self._worded(GET_WORDS, ref=ref)
        if self.op == "list":
            shown = [p for p in keys + given if p not in hidden]
            details = ", ".join(f"{human(self.columns[p])} {_quote(self.arguments[p])}" for p in shown)
            if self.pick:
                by = f"{human(self.pick[0])} {_quote(self.pick[1])}"
                unsaid_by = (
                    f" for the {_and([human(self.columns[p]) for p in unsaid])} I will give you" if unsaid else ""
                )
                mine = f" with {details}{link}" if details else link or unsaid_by
                return self._worded(PICK_WORDS, entity=entity, entities=plural(entity), by=by, of=mine)
            if unsaid and not shown:
                topics = _and([human(self.columns[p]) for p in unsaid])
                return self._worded(SEARCH_WORDS, entity=entity, topics=topics, link=link)
            if details:
                return self._worded(FIND_WORDS, entity=entity, details=details, link=link)
            return f"find the {plural(entity)}{link}" if link else f"list the {plural(entity)}"
        if self.op == "create":
            key_part = ", ".join(f"{human(self.columns[p])} {_quote(self.arguments[p])}" for p in keys)
            fields = ", ".join(x for x in (key_part, details) if x)
            verb = words(self.tool)[0] if words(self.tool)[0] in CREATE_WORDS_OWN else "create"
            text = self._worded(CREATE_WORDS, entity=entity, verb=verb, link=link)
            return text + (f" with {fields}" if fields else "")
        if self.op == "update":
            changes = ", ".join(
                f"{human(self.columns[p])}"
                if p in hidden
                else f"{human(self.columns[p])} to {_quote(self.arguments[p])}"
                for p in values
            )
            return self._worded(UPDATE_WORDS, ref=ref, changes=changes)
        if self.op == "delete":
            return self._worded(DELETE_WORDS, ref=ref)
        verb = op.transition.verb or op.transition.to
        return self._worded(TRANSITION_WORDS, verb=verb, ref=ref) + (f" ({details})" if details else "")

    def _worded(self, templates: Sequence[str], **parts: str) -> str:
        return templates[self.variant % len(templates)].format(**parts, an=_an(parts.get("entity", "")))


# Several wordings of each operation (a step keeps one: the request and the opening agree).
GET_WORDS = ("look up {ref}", "check {ref}", "pull up {ref}", "get the details of {ref}")
SEARCH_WORDS = (
    "find {an} {entity} by its {topics}{link}",
    "look for {an} {entity} by the {topics} I will give you{link}",
    "search for {an} {entity}{link} using its {topics}",
)
FIND_WORDS = ("find the {entity} with {details}{link}", "search for the {entity} with {details}{link}")
PICK_WORDS = (
    "find my {entity} with {by}{of}",
    "go through the {entities}{of} and find the one with {by}",
    "look up the {entity} with {by} among the {entities}{of}",
)
CREATE_WORDS = ("create a new {entity}{link}", "{verb} a new {entity}{link}", "set up a new {entity}{link}")
CREATE_WORDS_OWN = {"book", "register", "open", "add", "file", "place", "submit", "reserve", "schedule", "issue"}
CREATE_WORDS_OWN |= {"post", "request", "report", "record", "upload", "enroll", "order", "create", "log", "send"}
UPDATE_WORDS = ("change {ref}: set {changes}", "update {ref}: set {changes}", "edit {ref} so that I change {changes}")
DELETE_WORDS = ("delete {ref}", "remove {ref}")
TRANSITION_WORDS = ("{verb} {ref}", "go ahead and {verb} {ref}")


OPENINGS = (
    "Hi! I'd like to {}.",
    "Hello, could you help me {}?",
    "I need to {}.",
    "Hey there. Please {}.",
    "Good morning! Can you {}?",
    "Hi, I'm hoping you can {}.",
)


READS = ("get", "list", "compute")


def login_step(walker: _Walker, session: str) -> _Step | str:
    """Log in with the credentials of one account (facts the user holds and gives when asked)."""
    tool = next((t for t in walker.tools.values() if t.operator.op == "login"), None)
    if tool is None:
        return "no login tool for the session"
    op = tool.operator
    rows = walker._rows(op.entity)
    if not rows:
        return "no account to log in with"
    row = walker.rng.choice(rows)
    step = _Step(tool.name, "login", op.entity)
    for param, (_, column) in op.args.items():
        step.set(param, row.get(column), "user", column)
    try:
        walker.db.run(walker.domain.tools[tool.name], step.arguments)
    except ToolError:
        return "the login failed"
    return step


def _request(phrases: list[str], steps: Sequence[_Step], outputs: tuple[str, ...]) -> str:
    if outputs:
        phrases[-1] += steps[-1].suffix
    return phrases[0] + "".join(f", then {p}" for p in phrases[1:])


def _an(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" and noun[:1] else "a"


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _chained_row(tool: ToolSpec, result: Any) -> tuple[str, dict] | None:
    entity = tool.operator.entity
    if isinstance(result, dict) and "deleted" not in result:
        return entity, result
    if isinstance(result, list) and len(result) == 1 and isinstance(result[0], dict):
        return entity, result[0]
    return None


PLACE_WORDS = {"location", "city", "country", "address", "region", "destination", "origin", "venue", "airport"}


def _identifies(entity: str, column: ColumnSpec) -> bool:
    """Whether a text column says which thing or place a record is (its name, its location), which a
    record made or searched for like it shares; a trait (a colour, a date, a choice) does not."""
    if named_concept(entity, column):
        return True
    return (
        column.type == "string"
        and not column.enum
        and not column.references
        and column.name.split("_")[-1] in PLACE_WORDS
    )


def _references(entity: EntitySpec, column: str) -> str | None:
    return next((c.references for c in entity.columns if c.name == column), None)


def _fit(value: Any, schema: Mapping) -> Any:
    """``value`` in the type the argument's schema asks for, or None if it cannot be."""
    kind = schema.get("type")
    if value is None:
        return None
    try:
        if kind == "string" and not isinstance(value, str):
            value = "true" if value is True else "false" if value is False else str(value)
        elif kind == "integer" and not isinstance(value, int) or kind == "integer" and isinstance(value, bool):
            value = int(value) if float(value).is_integer() else None
        elif kind == "number" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            value = float(value)
        elif kind == "boolean" and not isinstance(value, bool):
            value = str(value).lower() in ("true", "1")
        elif kind in ("array", "object"):
            import json

            value = json.loads(value) if isinstance(value, str) else value
            if not isinstance(value, list if kind == "array" else dict):
                return None
    except (TypeError, ValueError):
        return None
    if value is not None and "enum" in schema and value not in schema["enum"]:
        return None
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _quote(value: Any) -> str:
    return (
        f"'{value}'" if isinstance(value, str) else _text(value) if not isinstance(value, (list, dict)) else repr(value)
    )
