"""Measures of synthesized domains as training material: faithful tools, believable data, tasks.

Every measure reads a synthesized folder (``domain.json`` + ``tasks.json``) the way the runtime
does, so the figures describe what an agent is trained on:

- :func:`world_measures`: semantic fidelity (tools named by a mutating verb that only read; tools
  named by a computation that answer with a row lookup), value realism of the seed rows (dates of
  birth before the domain's current date, start/end pairs in order, placeholder labels in code,
  date and free-text columns, values that keep their column's stated range, length, pattern and
  enum, spans that agree with a past or future status: a completed stay ended before today) and
  coherence (domains whose tools come from several sources).
- :func:`task_measures`: transcription, true dependency (replaying the gold calls), gold length,
  read-only share and variety of tool sequences (and test sequences never seen in train).

:func:`measure_folder` adds them up over a folder of domains; ``benchmarks/synth_quality.py``
prints them as JSON lines.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..grounding import leaf_values
from ..tasks import ASSISTANT
from ..tools import WRITE
from .values import CURRENT_DATE, FUTURE_STATES, PAST_STATES, date_pairs, is_event_span, state_word, status_column
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


def world_measures(spec: Mapping) -> dict:
    """Counts for one domain spec: fidelity of its tools and realism of its seed rows."""
    out: Counter = Counter()
    for tool in spec["tools"]:
        op = tool["operator"]["op"]
        if mutating_verb(tool["name"]):
            out["mutating_tools"] += 1
            out["mutating_as_read"] += tool["kind"] != WRITE
        if is_computation(tool["name"]):
            out["computations"] += 1
            out["computations_wrong"] += op != "compute"  # a row lookup cannot answer a computation
    from .folder import seed_rows

    today = spec["data"].get("today", CURRENT_DATE.isoformat())
    rows = seed_rows(spec)
    for entity in spec["entities"]:
        table = rows[entity["name"]]
        columns = {c["name"]: c for c in entity["columns"]}
        for name, column in columns.items():
            rules = {**column.get("rules", {}), **({"enum": column["enum"]} if column.get("enum") else {})}
            if rules and name != entity["key"]:
                values = [r[name] for r in table if r[name] is not None]
                out["ruled_values"] += len(values)
                out["ruled_kept"] += sum(_keeps(rules, v) for v in values)
            ws = words(name)
            if column["type"] != "string" or column.get("enum") or name == entity["key"] or column.get("references"):
                continue
            if {"birth", "dob", "birthday"} & set(ws):
                out["births"] += len(table)
                out["births_past"] += sum(_date(r[name]) is not None and r[name][:10] < today for r in table)
            if not set(ws) & NAME_WORDS:
                values = [r[name] for r in table if isinstance(r[name], str)]
                out["text_values"] += len(values)
                out["placeholders"] += sum(_placeholder(v) for v in values)
        main = status_column(entity["columns"])
        for first, second in date_pairs(list(columns)):
            for row in table:
                a, b = _date(row[first]), _date(row[second])
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
    """Whether a stored value keeps its column's stated rules (range, length, pattern, enum)."""
    if "enum" in rules and value not in rules["enum"]:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return rules.get("minimum", value) <= value <= rules.get("maximum", value)
    if isinstance(value, str):
        if not rules.get("minLength", 0) <= len(value) <= rules.get("maxLength", len(value)):
            return False
        return "pattern" not in rules or re.search(rules["pattern"], value) is not None
    return True


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _placeholder(value: str) -> bool:
    m = _LABEL.match(value)
    return bool(m) and m.group(1) in ADJECTIVES and m.group(2) in NOUNS


def task_measures(domain: Any, spec: Mapping) -> dict:
    """Counts for one domain's tasks (all splits): transcription, dependency, length, read-only, variety."""
    kinds = {t["name"]: t["kind"] for t in spec["tools"]}
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


def measure_folder(path: str | Path) -> dict:
    """World and task measures summed over every domain folder in ``path``, with shares."""
    from .folder import load_domain_folder

    total: Counter = Counter()
    lengths: Counter = Counter()
    sources = 0
    folders = sorted(p.parent for p in Path(path).glob("*/domain.json"))
    for folder in folders:
        spec = json.loads((folder / "domain.json").read_text(encoding="utf-8"))
        total.update(world_measures(spec))
        tasks = task_measures(load_domain_folder(folder), spec)
        lengths.update(tasks.pop("lengths"))
        total.update(tasks)
        sources += len(set(spec.get("source", []))) > 1
    n = total["tasks"]
    return {
        "domains": len(folders),
        "tasks": n,
        "mixed_sources": _share(sources, len(folders)),
        "mutating_tools": total["mutating_tools"],
        "mutating_as_read": total["mutating_as_read"],
        "computations": total["computations"],
        "computations_wrong": total["computations_wrong"],
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


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0
