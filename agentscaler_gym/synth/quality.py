"""Measures of synthesized domains as training material: faithful tools, believable data, tasks.

Every measure reads a synthesized folder (``domain.json`` + ``tasks.json``) the way the runtime
does, so the figures describe what an agent is trained on:

- :func:`world_measures`: semantic fidelity (tools named by a mutating verb that only read; tools
  named by a computation that answer with a row lookup), value realism of the seed rows (dates of
  birth before the domain's current date, start/end pairs in order, placeholder labels in code,
  date and free-text columns, values that keep their column's stated range, length, pattern and
  enum, spans that agree with a past or future status: a completed stay ended before today).
- :func:`domain_groups` and :func:`~agentscaler_gym.synth.groups.mixes_sources`: coherence. A
  domain mixes sources when its tools come from source groups (an API title, a theme file, a
  multi-turn API file, a function family such as ``compound interest``) that share no theme word;
  ``mixed_sources`` is the share of domains that do (``synth/groups.py`` defines the groups).
- :func:`task_measures`: transcription, true dependency (replaying the gold calls), gold length,
  read-only share and variety of tool sequences (and test sequences never seen in train);
  :func:`sequence_bound`: how many distinct tool sequences a domain's dependency graph allows.

:func:`measure_folder` adds them up over a folder of domains; ``benchmarks/synth_quality.py``
prints them as JSON lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..grounding import leaf_values
from ..tasks import ASSISTANT
from ..tools import WRITE
from .groups import mixes_sources
from .schema import in_format
from .spec import DomainSpec, ToolSpec
from .values import (
    FUTURE_STATES,
    PAST_STATES,
    as_date,
    date_pairs,
    is_event_span,
    state_word,
    status_column,
)
from .words import is_computation, mutating_verb, words

NAME_WORDS = {"name", "title", "label", "subject", "headline", "caption", "nickname"}
_LABEL = re.compile(r"^([A-Z][a-z]+) ([A-Z][a-z]+)\b")
# The words of made-up labels ("Blue Falcon") that once filled code and free-text columns.
ADJECTIVES = set(
    "Blue Bright Calm Golden Quick Silver Smart Swift Urban Wild Clever Bold Classic Fresh Green Happy Lucky Prime "
    "Royal Solid".split()
)
NOUNS = set(
    "Falcon Harbor Maple Orbit Summit Meadow Comet Canyon Pioneer Atlas Beacon Cedar Delta Ember Frontier Glacier "
    "Horizon Island Juniper Lotus".split()
)


def world_measures(spec: DomainSpec) -> dict:
    """Counts for one domain spec: fidelity of its tools and realism of its seed rows."""
    out: Counter = Counter()
    out["tools"] = len(spec.tools)
    for tool in spec.tools:
        op = tool.operator.op
        # a computation named by such a verb (``add`` two numbers) is judged by its true result below
        if mutating_verb(tool.name, tool.description) and op != "compute":
            out["mutating_tools"] += 1
            out["mutating_as_read"] += tool.kind != WRITE
        if op == "compute" or is_computation(tool.name):
            out["computations"] += 1
            # a row lookup cannot answer a computation; a computation must give the true result
            out["computations_wrong"] += op != "compute" or not computes_truly(tool)
    from .folder import seed_rows

    today = spec.data.today
    rows = seed_rows(spec)
    for entity in spec.entities:
        table = rows[entity.name]
        columns = {c.name: c for c in entity.columns}
        for name, column in columns.items():
            rules = {**column.rules, **({"enum": column.enum} if column.enum else {})}
            if rules and name != entity.key:
                values = [r[name] for r in table if r[name] is not None]
                out["ruled_values"] += len(values)
                out["ruled_kept"] += sum(_keeps(rules, v) for v in values)
            ws = words(name)
            if column.type != "string" or column.enum or name == entity.key or column.references:
                continue
            if {"birth", "dob", "birthday"} & set(ws):
                out["births"] += len(table)
                out["births_past"] += sum(as_date(r[name]) is not None and r[name][:10] < today for r in table)
            if not set(ws) & NAME_WORDS:
                values = [r[name] for r in table if isinstance(r[name], str)]
                out["text_values"] += len(values)
                out["placeholders"] += sum(_placeholder(v) for v in values)
        main = status_column(entity.columns)
        for first, second in date_pairs(list(columns)):
            for row in table:
                a, b = as_date(row[first]), as_date(row[second])
                if a is not None and b is not None:
                    out["date_pairs"] += 1
                    out["date_pairs_ordered"] += a <= b
                    state = state_word(row.get(main)) if main and is_event_span(first) else ""
                    if state in PAST_STATES or state in FUTURE_STATES:
                        out["dated_states"] += 1
                        past = state in PAST_STATES
                        out["dated_states_agree"] += b.isoformat() <= today if past else a.isoformat() > today
    return dict(out)


def _keeps(rules: Mapping, value: Any) -> bool:
    """Whether a stored value keeps its column's stated rules (range, length, pattern, format, enum)."""
    if "enum" in rules and value not in rules["enum"]:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return rules.get("minimum", value) <= value <= rules.get("maximum", value)
    if isinstance(value, str):
        if not rules.get("minLength", 0) <= len(value) <= rules.get("maxLength", len(value)):
            return False
        if "format" in rules and not in_format(rules["format"], value):
            return False
        return "pattern" not in rules or re.search(rules["pattern"], value) is not None
    return True


# Hand-computed results of each library function: (arguments by the function's names, true result).
KNOWN_RESULTS: dict[str, list[tuple[dict, Any]]] = {
    "add": [({"a": 2, "b": 3}, 5), ({"a": -1.5, "b": 0.25}, -1.25)],
    "subtract": [({"a": 10, "b": 4}, 6), ({"a": 1, "b": 2.5}, -1.5)],
    "multiply": [({"a": 6, "b": 7}, 42), ({"a": -0.5, "b": 8}, -4)],
    "divide": [({"dividend": 10, "divisor": 4}, 2.5), ({"dividend": 1, "divisor": 3}, 0.3333)],
    "power": [({"base": 2, "exponent": 10}, 1024), ({"base": 9, "exponent": 0.5}, 3)],
    "sqrt": [({"x": 81}, 9), ({"x": 2}, 1.4142)],
    "absolute": [({"x": -3.5}, 3.5)],
    "round": [({"x": 3.14159, "places": 2}, 3.14)],
    "modulo": [({"dividend": 17, "divisor": 5}, 2)],
    "factorial": [({"n": 5}, 120), ({"n": 0}, 1)],
    "gcd": [({"a": 12, "b": 18}, 6)],
    "lcm": [({"a": 4, "b": 6}, 12)],
    "logarithm": [({"x": 8, "base": 2}, 3), ({"x": 1000, "base": 10}, 3)],
    "hypotenuse": [({"x": 3, "y": 4}, 5)],
    "percentage": [({"part": 25, "whole": 200}, 12.5)],
    "sum": [({"values": [1, 2, 3.5]}, 6.5)],
    "mean": [({"values": [2, 4, 9]}, 5)],
    "median": [({"values": [5, 1, 3, 2]}, 2.5)],
    "min": [({"values": [5, -1, 3]}, -1)],
    "max": [({"values": [5, -1, 3]}, 5)],
    "stdev": [({"values": [2, 4, 4, 4, 5, 5, 7, 9]}, 2)],
    "circle_area": [({"radius": 2}, 12.5664)],
    "circumference": [({"radius": 1}, 6.2832)],
    "triangle_area": [({"base": 6, "height": 4}, 12)],
    "heron": [({"a": 3, "b": 4, "c": 5}, 6)],
    "quadratic_roots": [({"a": 1, "b": -3, "c": 2}, [1, 2])],
    "bmi": [({"weight": 70, "height": 1.75}, 22.8571)],
    "tip": [({"bill": 80, "percent": 15}, 12)],
    "simple_interest": [({"principal": 1000, "rate": 0.05, "years": 2}, 100)],
    "compound_interest": [({"principal": 1000, "rate": 0.1, "years": 2, "periods": 1}, 210)],
    "loan_payment": [({"principal": 100000, "rate": 0.06, "years": 30}, 599.5505)],
    "convert_currency": [({"amount": 100, "source": "USD", "target": "EUR"}, 92)],
    "convert_unit": [
        ({"value": 1, "source": "mi", "target": "km"}, 1.6093),
        ({"value": 2, "source": "lb", "target": "oz"}, 32),
    ],
    "convert_temperature": [({"value": 100, "source": "celsius", "target": "fahrenheit"}, 212)],
    "celsius_to_fahrenheit": [({"celsius": 37}, 98.6)],
    "fahrenheit_to_celsius": [({"fahrenheit": 212}, 100)],
}


def computes_truly(tool: ToolSpec, trials: int = 16) -> bool:
    """Whether a computation tool answers the true result of what its name and parameters say.

    The function and binding its name, parameter names and stated units call for (matched afresh from
    the published schema) must be the ones the operator runs; the tool must give the hand-computed
    results of :data:`KNOWN_RESULTS` (arguments in its own names and units) and, on random inputs,
    the library function's results, refusing exactly the inputs outside the function's domain."""
    import random

    from .compute import LIBRARY, bind, random_arguments
    from .operators import operator_tool

    op = tool.operator
    if op.function not in KNOWN_RESULTS:
        return False
    params = tool.parameters
    expected_binding, _ = bind(tool.name, "", params["properties"], params.get("required", []))
    if expected_binding is None or (expected_binding.function, expected_binding.args, expected_binding.scale) != (
        op.function,
        op.args,
        op.scale,
    ):
        return False
    run = operator_tool(tool, {}, {})
    args, scale = op.args, op.scale
    params = {name: p for p, (role, name) in args.items() if role == "input"}
    for inputs, expected in KNOWN_RESULTS[op.function]:
        if any(name not in params for name in inputs if name != "periods"):
            continue
        call = {
            params[n]: (v / scale[params[n]] if params[n] in scale else v) for n, v in inputs.items() if n in params
        }
        call = {p: _typed(v, tool.parameters["properties"][p]) for p, v in call.items()}
        if any(v is None for v in call.values()):
            continue  # the example's numbers do not fit this tool's parameter types
        if not _close(_answer(run, call), expected):
            return False
    rng = random.Random(f"truth:{tool.name}")
    function = LIBRARY[op.function]
    for _ in range(trials):
        call = random_arguments(op.function, args, scale, tool.parameters["properties"], rng)
        try:
            expected = function.fn(**{args[p][1]: v * scale.get(p, 1) for p, v in call.items()})
        except Exception:  # noqa: BLE001 - outside the function's domain: the tool must refuse
            expected = None
        answer = _answer(run, call)
        if (expected is None) != (answer is None) or (expected is not None and not _close(answer, expected)):
            return False
    return True


def session_measures(domain: Any, spec: DomainSpec) -> dict:
    """Login tools, tools that need their session, and tasks whose gold run logs in and then acts; selectors,
    tools that act in the current record (or for the logged-in account), and tasks that chain the two."""
    logins = {t.name for t in spec.tools if t.operator.op == "login"}
    out = Counter(
        logins=len(logins),
        session_tools=sum(1 for t in spec.tools if t.operator.session and t.name not in logins),
    )
    selectors = {t.name for t in spec.tools if t.operator.op == "select"}
    scoped = {t.name for t in spec.tools if t.operator.scope}
    out["selectors"], out["scoped_tools"] = len(selectors), len(scoped)
    selectors |= logins  # a login makes its account the current one
    for tasks in domain.splits().values():
        out["session_chains"] += sum(1 for t in tasks if len(t.gold_calls) > 1 and t.gold_calls[0].name in logins)
        out["selection_chains"] += sum(1 for t in tasks if _selects_then_acts(t.gold_calls, selectors, scoped))
    return dict(out)


def _selects_then_acts(calls: Any, selectors: set[str], scoped: set[str]) -> bool:
    """Whether a gold run makes a record current (or logs in) and later acts in it (or for the account)."""
    first = next((i for i, c in enumerate(calls) if c.name in selectors), None)
    return first is not None and any(c.name in scoped for c in calls[first + 1 :])


def rule_measures(domain: Any, spec: DomainSpec) -> dict:
    """Stated rules (ranges, lengths, patterns, formats, enums) and how many refuse a breaking argument
    with an error naming the parameter and leave the database as it was."""
    out: Counter = Counter()
    seat = domain.seats()[ASSISTANT]
    for tool in spec.tools:
        props = tool.parameters["properties"]
        stated = {p: dict(r) for p, r in tool.operator.rules.items()}
        for p, schema in props.items():
            if schema.get("enum") and tool.operator.op != "compute":
                stated.setdefault(p, {})["enum"] = schema["enum"]
        for param, rules in stated.items():
            for key, rule in rules.items():
                value = _breaking(key, rule, props[param])
                if value is None:
                    continue
                out["rules"] += 1
                arguments = {p: _filler(props[p], stated.get(p, {})) for p in tool.parameters.get("required", [])}
                arguments[param] = value
                if tool.operator.session and tool.operator.op != "login":
                    _log_in(domain, seat, spec)  # the rule is checked once the session exists
                if tool.operator.scope:
                    _select(domain, seat, spec, tool.operator.scope.table)  # and in a current record
                before = seat.changes()
                answer = seat.call(tool.name, arguments)
                out["rules_enforced"] += not answer.ok and param in answer.text and seat.changes() == before
                seat.db.reset()
    return dict(out)


def _log_in(domain: Any, seat: Any, spec: DomainSpec) -> None:
    """Log in with the credentials of the first seeded account of the domain's login tool."""
    login = next((t for t in spec.tools if t.operator.op == "login"), None)
    row = None if login is None else _first_row(domain, seat, login.operator.entity)
    if row is not None:
        seat.call(login.name, {p: getattr(row, c) for p, (_, c) in login.operator.args.items()})


def _select(domain: Any, seat: Any, spec: DomainSpec, table: str) -> None:
    """Make the first seeded record current with the selector that fills ``table``."""
    selector = next((t for t in spec.tools if t.operator.selection == table), None)
    row = None if selector is None else _first_row(domain, seat, selector.operator.entity)
    if row is not None:
        args = selector.operator.args.items()
        seat.call(selector.name, {p: getattr(row, c) for p, (r, c) in args if r == "key"})


def _first_row(domain: Any, seat: Any, table: str) -> Any:
    """The first seeded row of ``table`` in the seat's database, or None."""
    model = next(m for m in domain.agent.models if m._meta.table_name == table)
    with seat.db.active():
        return model.find()


def _breaking(key: str, rule: Any, schema: Mapping) -> Any:
    """A value that breaks one rule, built from the rule's meaning (not from the checker)."""
    if key == "minimum":
        return rule - 1
    if key == "maximum":
        return rule + 1
    if key == "maxLength":
        return "x" * (rule + 1)
    if key == "minLength" and rule > 0:
        return "x" * (rule - 1)
    if key == "pattern":
        return next((v for v in ("", "!", "~" * 3, "0" * 300) if re.search(rule, v) is None), None)
    if key == "format":
        return f"not a {rule}"
    if key == "enum":
        return next((v for v in ("none of these", -987654) if v not in rule and _kind_fits(v, schema)), None)
    return None


def _kind_fits(value: Any, schema: Mapping) -> bool:
    return isinstance(value, str) == (schema.get("type") == "string")


FORMAT_EXAMPLES = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T09:00:00",
    "email": "ana@example.org",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.org",
}


def _filler(schema: Mapping, rules: Mapping) -> Any:
    """A value for another required argument that keeps its own stated rules."""
    if schema.get("enum"):
        return schema["enum"][0]
    if "minimum" in rules or "maximum" in rules:
        return rules.get("minimum", rules.get("maximum"))
    if rules.get("format") in FORMAT_EXAMPLES:
        return FORMAT_EXAMPLES[rules["format"]]
    if rules.get("minLength"):
        return "x" * rules["minLength"]
    return {"integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}.get(schema.get("type"), "x")


def _typed(value: Any, schema: Mapping) -> Any:
    """An example value in an integer parameter's type when it is a whole number, else None."""
    if schema.get("type") != "integer" or isinstance(value, (list, str)):
        return value
    return round(value) if abs(value - round(value)) < 1e-9 else None


def _answer(tool: Any, arguments: Mapping) -> Any:
    from ..tools import ToolError

    try:
        return tool(**arguments)["result"]
    except ToolError:
        return None


def _close(answer: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        return isinstance(answer, list) and len(answer) == len(expected) and all(map(_close, answer, expected))
    return (
        isinstance(answer, (int, float))
        and not isinstance(answer, bool)
        and abs(answer - expected) <= 1e-4 * max(1.0, abs(expected)) + 5e-5
    )


def _placeholder(value: str) -> bool:
    m = _LABEL.match(value)
    return bool(m) and m.group(1) in ADJECTIVES and m.group(2) in NOUNS


def task_measures(domain: Any, spec: DomainSpec) -> dict:
    """Counts for one domain's tasks (all splits): transcription, dependency, length, read-only, variety."""
    kinds = {t.name: t.kind for t in spec.tools}
    out: Counter = Counter()
    sequences: dict[str, list[tuple[str, ...]]] = {}
    lengths: Counter = Counter()
    for split, tasks in domain.splits().items():
        for task in tasks:
            calls = list(task.gold_calls)
            sequences.setdefault(split, []).append(tuple(c.name for c in calls))
            lengths[len(calls)] += 1
            out["tasks"] += 1
            out["read_only"] += all(kinds.get(c.name) != WRITE for c in calls)
            opening = _text(task.scenario.opening)
            said = opening + " " + " ".join(_text(str(v)) for v in task.scenario.known.values())
            leaves = [v for c in calls for v in _leaves(c.arguments)]
            out["transcription"] += all(_holds(opening, v) for v in leaves)
            out["ask_to_know"] += any(_holds(said, v) and not _holds(opening, v) for v in leaves)
            out["true_dependency"] += _depends(domain, calls, said)
    out["gold_calls"] = sum(k * n for k, n in lengths.items())
    train = set(sequences.get("train", []))
    test = sequences.get("test", [])
    out["test_tasks"] = len(test)
    out["test_unseen"] = sum(s not in train for s in test)
    out["sequences"] = len({s for seqs in sequences.values() for s in seqs})
    return {**out, "lengths": dict(lengths)}


def _depends(domain: Any, calls: list, said: str) -> bool:
    """Replay the gold calls: does some argument come only from an earlier call's answer?"""
    seat = domain.seats()[ASSISTANT]
    answers = ""
    for call in calls:
        if any(not _holds(said, v) and _holds(answers, v) for v in _leaves(call.arguments)):
            return True
        answers += " " + _text(seat.call(call.name, dict(call.arguments)).text)
    return False


def _leaves(value: Any) -> list:
    """The argument's scalar values that can be said: booleans and nulls left out."""
    return [v for v in leaf_values(value) if not isinstance(v, bool) and v is not None]


def _text(text: str) -> str:
    return " ".join(str(text).lower().split())


def _holds(text: str, value: Any) -> bool:
    forms = {str(value).lower()}
    if isinstance(value, float) and value.is_integer():
        forms.add(str(int(value)))
    if isinstance(value, (int, float)):
        forms.add(f"{value:.2f}")
    return any(re.search(rf"(?<![\w.]){re.escape(f)}(?![\w]|\.\d)", text) for f in forms if f)


def sequence_bound(spec: DomainSpec, walk_length: tuple[int, int] = (2, 6), cap: int = 10_000) -> int:
    """An upper bound on the distinct gold tool sequences of ``walk_length`` calls the walks of
    ``taskgen`` can give a domain, counted up to ``cap``: the size of :func:`graph_sequences`."""
    return min(len(graph_sequences(spec, walk_length, cap)), cap)


def graph_sequences(spec: DomainSpec, walk_length: tuple[int, int] = (2, 6), cap: int = 10_000) -> set[tuple[str, ...]]:
    """The tool sequences of ``walk_length`` calls a domain's walks may take (the first ``cap`` found).

    A walk is a login when its first tool needs a session, then steps along
    :func:`~agentscaler_gym.synth.taskgen.dependency_graph`; before each step may come the searches
    that find a record the step names by id: one list tool of that record's entity, or a list tool
    of its parent's entity and then one of its own. Each of the step's key or foreign-key arguments
    may take such searches (or none). A walk may stop after any call. Every sequence of that
    grammar is counted, including ones the seed rows or a failing call would never let a walk take,
    so their number is at least the number walks can give."""
    from .taskgen import dependency_graph

    lo, hi = walk_length
    tools = {t.name: t for t in spec.tools}
    entities = {e.name: e for e in spec.entities}
    graph = dependency_graph(spec)
    lists: dict[str, list[str]] = {}
    for t in spec.tools:
        if t.operator.op == "list":
            lists.setdefault(t.operator.entity, []).append(t.name)
    login = next((t.name for t in spec.tools if t.operator.op == "login"), None)

    def parent(entity: str, column: str) -> str | None:
        return next((c.references for c in entities[entity].columns if c.name == column), None)

    def searches(entity: str) -> list[tuple[str, ...]]:
        out = [(name,) for name in lists.get(entity, [])]
        for name in lists.get(entity, []):
            for role, column in tools[name].operator.args.values():
                up = parent(entity, column) if role == "value" else None
                if up and up != entity:
                    out += [(before, name) for before in lists.get(up, [])]
        return out

    def prefixes(name: str) -> set[tuple[str, ...]]:
        op = tools[name].operator
        out = {()}
        for role, column in op.args.values():
            own = column == entities[op.entity].key and role == "key" and op.op != "create"
            target = op.entity if own else parent(op.entity, column)
            if target is not None:
                out |= {p + s for p in out for s in searches(target) if len(p + s) < hi}
        return out

    before = {name: prefixes(name) for name in graph if tools[name].operator.op != "compute"}
    seen: set[tuple[str, ...]] = set()

    def grow(sequence: tuple[str, ...], options: Sequence[str]) -> None:
        for name in options:
            for prefix in before.get(name, ()):
                longer = sequence + prefix + (name,)
                # a read-only walk ends on its last call that found one record: any prefix may be a task
                seen.update(longer[:end] for end in range(max(lo, len(sequence) + 1), min(len(longer), hi) + 1))
                if len(seen) >= cap:
                    return
                if len(longer) < hi:
                    grow(longer, graph[name])
                if len(seen) >= cap:
                    return

    for name in before:
        op = tools[name].operator
        grow((login,) if op.session and op.op != "login" and login else (), [name])
    return seen


def measure_folder(path: str | Path) -> dict:
    """World and task measures summed over every domain folder in ``path``, with shares."""
    from .folder import load_domain_folder

    total: Counter = Counter()
    lengths: Counter = Counter()
    sources = 0
    folders = sorted(p.parent for p in Path(path).glob("*/domain.json"))
    for folder in folders:
        spec = DomainSpec.read(folder / "domain.json")
        total.update(world_measures(spec))
        domain = load_domain_folder(folder)
        total.update(rule_measures(domain, spec))
        total.update(session_measures(domain, spec))
        tasks = task_measures(domain, spec)
        lengths.update(tasks.pop("lengths"))
        total.update(tasks)
        sources += mixes_sources(domain_groups(spec))
    n = total["tasks"]
    return {
        "domains": len(folders),
        "tasks": n,
        "tools": total["tools"],
        "mixed_sources": _share(sources, len(folders)),
        "mutating_tools": total["mutating_tools"],
        "mutating_as_read": total["mutating_as_read"],
        "computations": total["computations"],
        "computations_wrong": total["computations_wrong"],
        "logins": total["logins"],
        "session_tools": total["session_tools"],
        "session_chains": total["session_chains"],
        "selectors": total["selectors"],
        "scoped_tools": total["scoped_tools"],
        "selection_chains": total["selection_chains"],
        "rules": total["rules"],
        "rules_enforced": total["rules_enforced"],
        "births_past": _share(total["births_past"], total["births"]),
        "date_pairs_ordered": _share(total["date_pairs_ordered"], total["date_pairs"]),
        "placeholders": _share(total["placeholders"], total["text_values"]),
        "values_in_rules": _share(total["ruled_kept"], total["ruled_values"]),
        "dated_states_agree": _share(total["dated_states_agree"], total["dated_states"]),
        "transcription": _share(total["transcription"], n),
        "true_dependency": _share(total["true_dependency"], n),
        "ask_to_know": _share(total["ask_to_know"], n),
        "read_only": _share(total["read_only"], n),
        "gold_length": {"mean": _share(total["gold_calls"], n), "histogram": dict(sorted(lengths.items()))},
        "sequences": total["sequences"],
        "test_unseen_in_train": _share(total["test_unseen"], total["test_tasks"]),
    }


def domain_groups(spec: DomainSpec) -> list[str]:
    """The source groups of a domain's tools: ``groups`` in ``domain.json``, else (older folders) its source files' names."""
    if spec.groups:
        return list(spec.groups)
    return [Path(s.split(":", 1)[-1]).stem for s in spec.source]


def _share(part: float, whole: float) -> float | None:
    """``part / whole``; None when there is nothing to measure (a corpus without dated statuses), so
    an empty measure never reads as a failed one."""
    return round(part / whole, 4) if whole else None
