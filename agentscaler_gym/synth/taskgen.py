"""Stage 5: tasks from directed walks over a domain's tool dependency graph.

Tool B depends on tool A when B can consume a value A returns: a row of the entity B acts on, a
row whose foreign key names it, or a parent row B's foreign-key argument can take. A walk starts
at a tool, samples its arguments from the database state (what the user knows), executes it on the
real runtime, and moves to a tool that consumes the output (what the agent must chain). The gold
calls are what executed; the gold final state is their replay (``Domain.gold``). The user's
request is written from templates, one phrase per step (optionally rewritten by a paraphrase hook).

Same domain, seed and settings give the same tasks: every random choice comes from one
``random.Random`` seeded with a string.
"""

from __future__ import annotations

import collections
import dataclasses
import importlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import Domain
from ..tasks import ASSISTANT, Scenario, Task, ToolCall
from ..tools import ToolError, validate_arguments
from .compute import compute_task
from .operators import WRITES, rule_problem
from .values import first_key, new_value
from .words import FINAL_STATES, human, plural

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
        count: Tasks wanted per domain (a third go to ``test``, the rest to ``train``).
        walk_length: Shortest and longest walk, in tool calls.
        attempts: Walks tried per task wanted before giving up.
        paraphrase: ``"module:function"`` rewriting the user's templated opening and instruction
            (e.g. with an LLM); it must keep every value, and should be deterministic.
    """

    count: int = 24
    walk_length: tuple[int, int] = (2, 4)
    attempts: int = 8
    paraphrase: str | None = None


def dependency_graph(spec: Mapping) -> dict[str, list[str]]:
    """``{tool: [tools that can consume its output]}``, in tool order."""
    entities = {e["name"]: e for e in spec["entities"]}
    tools = [t for t in spec["tools"] if t["operator"]["op"] != "compute"]  # a computation reads no row
    graph = {t["name"]: [] for t in spec["tools"]}
    for a in tools:
        produced = a["operator"]["entity"] if a["operator"]["op"] != "delete" else None
        graph[a["name"]] = [b["name"] for b in tools if b is not a and produced and _consumes(b, produced, entities)]
    return graph


def _consumes(tool: Mapping, produced: str, entities: Mapping) -> bool:
    op = tool["operator"]
    roles = op["args"].values()
    if op["entity"] == produced and any(r in ("key", "value") for r, _ in roles):
        return True
    parent_refs = {c["name"]: c.get("references") for c in entities[op["entity"]]["columns"]}
    if any(r == "value" and parent_refs.get(c) == produced for r, c in roles):
        return True
    child_refs = {c.get("references") for c in entities[produced]["columns"]}
    return op["entity"] in child_refs and any(r == "key" for r, _ in roles)


def generate_tasks(
    spec: Mapping, domain: Domain, seed: int = 0, settings: TaskSettings = TaskSettings()
) -> tuple[dict[str, list[dict]], collections.Counter]:
    """``({"train": [task dict], "test": [...]}, reasons walks were dropped)``."""
    rng = random.Random(f"tasks:{seed}:{spec['name']}")
    walker = _Walker(spec, domain, rng)
    graph = dependency_graph(spec)
    starts = [t["name"] for t in spec["tools"]]
    rng.shuffle(starts)
    dropped: collections.Counter = collections.Counter()
    tasks, seen = [], set()
    lo, hi = settings.walk_length
    failures: collections.Counter = collections.Counter()
    duplicates = 0
    for attempt in range(settings.count * settings.attempts):
        if len(tasks) >= settings.count or not starts:
            break
        start = starts[attempt % len(starts)]
        walk = walker.walk(start, rng.randint(lo, hi), graph, len(tasks))
        if isinstance(walk, str):
            dropped[walk] += 1
            failures[start] += 1
            if failures[start] >= 3:  # a start that keeps failing is not tried again
                starts.remove(start)
            continue
        failures[start] = -100
        signature = repr([(c.name, sorted(c.arguments.items())) for c in walk.gold_calls])
        if len(walk.gold_calls) < lo and graph.get(walk.gold_calls[-1].name):
            dropped["walk shorter than the minimum length"] += 1  # (kept where the graph allows no longer walk)
        elif signature in seen:
            dropped["duplicate walk"] += 1
            duplicates += 1
            if duplicates > settings.count:  # the domain has few distinct walks: stop looking
                break
        else:
            seen.add(signature)
            tasks.append(walk)
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
    return {
        "train": [t for i, t in enumerate(named) if i % 3 != 2],
        "test": [t for i, t in enumerate(named) if i % 3 == 2],
    }, dropped


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
    def __init__(self, spec: Mapping, domain: Domain, rng: random.Random):
        self.spec, self.domain, self.rng = spec, domain, rng
        self.tools = {t["name"]: t for t in spec["tools"]}
        self.entities = {e["name"]: e for e in spec["entities"]}
        self.models = {m._meta.table_name: m for m in domain.agent.models}
        self.db = domain.seats()[ASSISTANT].db
        self.children = collections.defaultdict(list)
        for e in spec["entities"]:
            for c in e["columns"]:
                if c.get("references"):
                    self.children[c["references"]].append((e["name"], c["name"]))

    def walk(self, start: str, length: int, graph: Mapping[str, list[str]], index: int) -> Task | str:
        self.db.reset()
        if self.tools[start]["operator"]["op"] == "compute":
            task = compute_task(
                self.tools[start], self.domain.tools[start], self.db, self.rng, index, OPENINGS, PERSONAS
            )
            return task if task is not None else "computation without a result on the drawn inputs"
        calls: list[ToolCall] = []
        steps: list[_Step] = []
        chains: list[tuple[str, dict] | None] = []
        chain: tuple[str, dict] | None = None  # (entity, row) the last call returned
        name = start
        if self.tools[start]["operator"].get("session") and self.tools[start]["operator"]["op"] != "login":
            login = login_step(self, self.tools[start]["operator"]["session"])  # the session comes first
            if isinstance(login, str):
                return login
            calls.append(ToolCall(login.tool, login.arguments))
            steps.append(login)
            chains.append(None)
        for position in range(length):
            step = self._arguments(self.tools[name], chain, index * 10 + position)
            if isinstance(step, str):
                if not calls:
                    return step
                break
            for search, found in self._lookups(step):  # the user knows records by a name, not by an id
                calls.append(ToolCall(search.tool, search.arguments))
                steps.append(search)
                chains.append(found)
            try:
                result = self.db.run(self.domain.tools[name], step.arguments)
            except ToolError:
                if not calls:
                    return "the first call failed"
                break
            calls.append(ToolCall(name, step.arguments))
            steps.append(step)
            chain = _chained_row(self.tools[name], result)
            chains.append(chain)
            options = [n for n in graph.get(name, []) if chain is not None]
            if not options:
                break
            writes = [n for n in options if self.tools[n]["operator"]["op"] in WRITES]
            name = self.rng.choice(writes if writes and self.rng.random() < 0.6 else options)
        if not calls:
            return "empty walk"
        writes = [c for c in calls if self.tools[c.name]["operator"]["op"] in WRITES]
        if writes and not self.db.changes():
            return "the walk's writes cancel out"
        outputs: tuple[str, ...] = ()
        if all(self.tools[c.name]["operator"]["op"] in ("login",) + READS for c in calls):
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

    # -- arguments -------------------------------------------------------------------------------

    def _lookups(self, step: _Step) -> list[tuple[_Step, tuple[str, dict]]]:
        """Searches that find the records ``step`` names by id (its own, or a foreign key) through a
        fact the user holds. Each search runs now and must answer exactly that record; the step's id
        then comes from the search's answer, so the user never has to know it."""
        found = []
        for param in list(step.arguments):
            column = step.columns[param]
            if step.sources[param] != "user" or isinstance(step.arguments[param], bool):
                continue
            own = self.entities[step.entity]
            target = step.entity if column == own["key"] and step.op != "create" else _references(own, column)
            if target is None:
                continue
            search = self._lookup(target, step.arguments[param])
            if search is not None:
                step.sources[param] = "chain"
                found.append(search)
        return found

    def _lookup(self, name: str, key: Any) -> tuple[_Step, tuple[str, dict]] | None:
        entity = self.entities[name]
        row = self._row(name, key)
        if row is None:
            return None
        for tool in self.tools.values():
            op = tool["operator"]
            if op["op"] != "list" or op["entity"] != name:
                continue
            params = tool["parameters"]["properties"]
            for param, (role, column) in sorted(op["args"].items()):
                meta = self._columns(entity).get(column)
                if (
                    role != "value"
                    or meta is None
                    or column == entity["key"]
                    or meta.get("references")
                    or meta.get("enum")
                    or meta["type"] != "string"
                    or params[param].get("type") != "string"
                    or not row.get(column)
                    or not self._unique(name, row, [column])
                ):
                    continue
                search = _Step(tool["name"], "list", name)
                search.set(param, row[column], "user", column)
                try:
                    validate_arguments(self.domain.tools[tool["name"]], search.arguments)
                    result = self.db.run(self.domain.tools[tool["name"]], search.arguments)
                except ToolError:
                    continue
                found = _chained_row(tool, result)
                if found is not None and found[1].get(entity["key"]) == row[entity["key"]]:
                    return search, found
        return None

    def _arguments(self, tool: Mapping, chain: tuple[str, dict] | None, index: int) -> _Step | str:
        op = tool["operator"]
        entity = self.entities[op["entity"]]
        kind = op["op"]
        params = tool["parameters"]["properties"]
        required = set(tool["parameters"].get("required", ()))
        roles = {p: tuple(rc) for p, rc in op["args"].items()}
        step = _Step(tool["name"], kind, entity["name"])
        row, chained = self._target_row(op, entity, chain)
        if row is None and kind != "create":
            return f"no row a {kind} can act on"
        for param, (role, column) in roles.items():
            schema = params[param]
            must = param in required
            if role == "key" and kind == "create":
                step.set(param, first_key(entity, 100 + index) if column == entity["key"] else None, "user", column)
            elif role == "key":
                step.set(param, row[column], "chain" if chained else "user", column)
            elif role == "value" and kind == "list":
                if must or self._chain_filter(column, entity, chain):
                    step.set(
                        param, row[column], "chain" if self._chain_filter(column, entity, chain) else "user", column
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
                    step.set(param, self._new(entity, column, schema, index, row), "user", column)
            elif must:
                step.set(param, self._filler(column, schema, index), "user", column)
        if kind == "list" and not any(roles[p][0] in ("value", "key", "min", "max") for p in step.arguments):
            self._pick_filter(step, roles, params, entity, row)
        if kind == "update" and not any(roles[p][0] == "value" for p in step.arguments):
            problem = self._one_change(step, roles, params, entity, row, index)
            if problem:
                return problem
        return self._fitted(step, tool)

    def _one_change(
        self, step: _Step, roles: Mapping, params: Mapping, entity: Mapping, row: dict, index: int
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

    def _fitted(self, step: _Step, tool: Mapping) -> _Step | str:
        """The step with each argument in its schema's type, if they all fit and validate."""
        params = tool["parameters"]["properties"]
        fitted = {param: _fit(value, params[param]) for param, value in step.arguments.items()}
        if any(value is None for value in fitted.values()):
            return "argument does not fit its schema"
        rules = tool["operator"].get("rules", {})
        if any(rule_problem(rules.get(param, {}), value) for param, value in fitted.items()):
            return "argument breaks a rule its schema states"
        step.arguments = fitted
        try:
            validate_arguments(self.domain.tools[tool["name"]], step.arguments)
        except ToolError:
            return "arguments do not validate"
        return step

    def _target_row(self, op: Mapping, entity: Mapping, chain: tuple[str, dict] | None) -> tuple[dict | None, bool]:
        """The row a call acts on: the chained row (or the one its foreign key names), else one sampled from the state."""
        name = entity["name"]
        if chain is not None:
            chained_entity, chained_row = chain
            if chained_entity == name:
                return self._row(name, chained_row[entity["key"]]), True
            for column in self._columns(self.entities[chained_entity]).values():
                if column.get("references") == name and chained_row.get(column["name"]) is not None:
                    return self._row(name, chained_row[column["name"]]), True
            fks = [c["name"] for c in entity["columns"] if c.get("references") == chained_entity]
            if fks and op["op"] != "create":
                key = chained_row[self.entities[chained_entity]["key"]]
                rows = [r for r in self._rows(name) if r[fks[0]] == key]
                return (self.rng.choice(rows) if rows else None), False
        if op["op"] == "create":
            return None, False
        rows = self._rows(name)
        if op["op"] == "transition":
            t = op["transition"]
            rows = [
                r
                for r in rows
                if r.get(t["column"]) != t["to"]
                and (r.get(t["column"]) in t["from"] if t["from"] else r.get(t["column"]) not in FINAL_STATES)
            ]
        elif op["op"] == "delete":
            rows = [r for r in rows if not self._has_children(name, r[entity["key"]])]
        if any(r == "key" and c != entity["key"] for r, c in op["args"].values()):
            rows = [r for r in rows if self._unique(name, r, [c for r_, c in op["args"].values() if r_ == "key"])]
        return (self.rng.choice(rows) if rows else None), False

    def _chain_filter(self, column: str, entity: Mapping, chain: tuple[str, dict] | None) -> bool:
        return chain is not None and _references(entity, column) == chain[0]

    def _pick_filter(self, step: _Step, roles: Mapping, params: Mapping, entity: Mapping, row: dict) -> None:
        """A search needs at least one filter the user gives: prefer one that finds exactly this row."""
        options = [
            p
            for p, (r, c) in roles.items()
            if r in ("value", "key") and c in self._columns(entity) and row.get(c) is not None
        ]
        if not options:
            return
        unique = [p for p in options if self._unique(entity["name"], row, [roles[p][1]])]
        param = self.rng.choice(unique or options)
        step.set(param, row[roles[param][1]], "user", roles[param][1])

    def _filler(self, column: str, schema: Mapping, index: int) -> Any:
        """A value for a required argument the operator does not use: a real key if it names an entity."""
        entity = column[:-3] if column.endswith("_id") else None
        if entity in self.entities:
            rows = self._rows(entity)
            if rows:
                return self.rng.choice(rows)[self.entities[entity]["key"]]
        return new_value(column, {"name": column, "type": "string"}, schema, index, self.rng)

    def _parent_key(self, parent: str, chain: tuple[str, dict] | None, current: Any) -> tuple[Any, str]:
        if chain is not None and chain[0] == parent:
            return chain[1][self.entities[parent]["key"]], "chain"
        keys = [r[self.entities[parent]["key"]] for r in self._rows(parent)]
        keys = [k for k in keys if k != current]
        return (self.rng.choice(keys), "user") if keys else (None, "user")

    def _new(self, entity: Mapping, column: str, schema: Mapping, index: int, row: dict | None) -> Any:
        meta = self._columns(entity).get(column, {"name": column, "type": "string"})
        for attempt in range(6):
            value = new_value(entity["name"], meta, schema, 200 + index * 7 + attempt, self.rng)
            if row is None or _fit(row.get(column), schema) != value:
                return value
        return value

    def _answer(self, step: _Step, chain: tuple[str, dict] | None) -> tuple[str, str] | None:
        if chain is None:
            return None
        entity = self.entities[chain[0]]
        given = set(step.columns.values())
        options = [
            c["name"]
            for c in entity["columns"]
            if c["name"] not in given
            and c["type"] != "json"
            and c["name"] != entity["key"]
            and chain[1].get(c["name"]) not in (None, "")
            and "?" not in str(chain[1][c["name"]])
        ]  # a question in the answer would read as one
        if not options:
            return None
        column = self.rng.choice(options)
        return column, _text(chain[1][column])

    # -- state -----------------------------------------------------------------------------------

    def _rows(self, entity: str) -> list[dict]:
        with self.db.active():
            return [dict(row.__data__) for row in self.models[entity].find_all()]

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

    def _columns(self, entity: Mapping) -> dict[str, Mapping]:
        return {c["name"]: c for c in entity["columns"]}

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

    def __post_init__(self):
        self.arguments: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.columns: dict[str, str] = {}
        self.suffix = ""  # what the user also asks to be told, after the last step

    def set(self, param: str, value: Any, source: str, column: str) -> None:
        if value is None:
            return
        self.arguments[param], self.sources[param], self.columns[param] = value, source, column

    def describe(self, tool: Mapping, entities: Mapping, hidden: set[str] = frozenset()) -> str:
        """The step in words; the values of ``hidden`` arguments are left for the user to give when asked."""
        entity = human(self.entity)
        op = tool["operator"]
        keys = [p for p, (r, _) in op["args"].items() if r == "key" and p in self.arguments]
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
            details = ", ".join(x for x in (details, f"a {topics} I will give you" if self.op != "update" else "") if x)
        link = "".join(
            f" for that {human(_references(entities[self.entity], self.columns[p]) or self.columns[p])}" for p in linked
        )
        if self.op == "login":
            return "log in to my account"
        if self.op == "get":
            return f"look up {ref}"
        if self.op == "list":
            shown = [p for p in keys + given if p not in hidden]
            details = ", ".join(f"{human(self.columns[p])} {_quote(self.arguments[p])}" for p in shown)
            if unsaid and not shown:
                return f"find a {entity} by its {_and([human(self.columns[p]) for p in unsaid])}{link}"
            if details:
                return f"find the {entity} with {details}{link}"
            return f"find the {plural(entity)}{link}" if link else f"list the {plural(entity)}"
        if self.op == "create":
            key_part = ", ".join(f"{human(self.columns[p])} {_quote(self.arguments[p])}" for p in keys)
            fields = ", ".join(x for x in (key_part, details) if x)
            return f"create a new {entity}{link}" + (f" with {fields}" if fields else "")
        if self.op == "update":
            changes = ", ".join(
                f"{human(self.columns[p])}"
                if p in hidden
                else f"{human(self.columns[p])} to {_quote(self.arguments[p])}"
                for p in values
            )
            return f"change {ref}: set {changes}"
        if self.op == "delete":
            return f"delete {ref}"
        verb = op["transition"].get("verb") or op["transition"]["to"]
        return f"{verb} {ref}" + (f" ({details})" if details else "")


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
    tool = next((t for t in walker.tools.values() if t["operator"]["op"] == "login"), None)
    if tool is None:
        return "no login tool for the session"
    op = tool["operator"]
    rows = walker._rows(op["entity"])
    if not rows:
        return "no account to log in with"
    row = walker.rng.choice(rows)
    step = _Step(tool["name"], "login", op["entity"])
    for param, (_, column) in op["args"].items():
        step.set(param, row.get(column), "user", column)
    try:
        walker.db.run(walker.domain.tools[tool["name"]], step.arguments)
    except ToolError:
        return "the login failed"
    return step


def _request(phrases: list[str], steps: Sequence[_Step], outputs: tuple[str, ...]) -> str:
    if outputs:
        phrases[-1] += steps[-1].suffix
    return phrases[0] + "".join(f", then {p}" for p in phrases[1:])


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _chained_row(tool: Mapping, result: Any) -> tuple[str, dict] | None:
    entity = tool["operator"]["entity"]
    if isinstance(result, dict) and "deleted" not in result:
        return entity, result
    if isinstance(result, list) and len(result) == 1 and isinstance(result[0], dict):
        return entity, result[0]
    return None


def _references(entity: Mapping, column: str) -> str | None:
    return next((c.get("references") for c in entity["columns"] if c["name"] == column), None)


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
