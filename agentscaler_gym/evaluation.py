"""Evaluation of recorded runs: stability, long horizon, task families, failures, run versus run.

Where it sits: trajectory -> **evaluation** (``agentscaler eval``). Every figure is given per
*scope*: each env id, each domain group and ``"all"``. The groups are ``hand-built`` and
``synthesized`` when a run has both kinds, and ``in-distribution`` and ``held-out`` under a
:class:`~agentscaler_gym.splits.DomainSplit`.

:func:`evaluate` returns one JSON-ready object::

    pass_hat_k     {scope: {k: {"value", "tasks"}}}             k = 1 .. fewest trials of a task
    by_gold_calls  {scope: {"1"|"2"|"3"|"4-5"|"6+": {"pass^1", "tasks", "episodes"}}}
    by_family      {scope: {family: {"pass^1", "tasks", "episodes"}}}
    failures       {scope: {"episodes", "failed", "wrong_state", "wrong_state_tables", "outputs_missing",
                            "exact_match_miss", "tool_errors", "turn_limit", "user_ended",
                            "episode_error", "tool_calls", "tool_call_errors", "tool_error_rate"}}
    episodes       {scope: {"count", "turns", "tool_calls", "tokens"}}
    failed         [{"env", "task", "trial", "index", "reasons"}]   every failed episode

:func:`compare` pairs two runs by (env, task, trial) and returns the difference in pass^1 with a
paired bootstrap interval. A task's family and gold calls are looked up in its registered domain
(:class:`DomainFacts`); how an episode ended is read from its transcript.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .splits import HELD_OUT, IN_DISTRIBUTION, DomainSplit
from .trajectory import pass_hat_k
from .users import END_TOKENS

GOLD_CALL_BUCKETS = ("1", "2", "3", "4-5", "6+")
FAILURE_KINDS = (
    "wrong_state",
    "outputs_missing",
    "exact_match_miss",
    "tool_errors",
    "turn_limit",
    "user_ended",
    "episode_error",
)
ALL = "all"


@dataclass(frozen=True)
class Episode:
    """What evaluation needs from one trajectory.

    Attributes:
        trial: The how-manieth episode of this (env, task) in its run, from 0.
        index: Its position in the run (the viewer's ``#ep-<index>``).
        ended: ``"user"`` (a stop token), ``"tool"`` (a tool that ends the episode), ``"turn_limit"``
            or ``"error"`` (a policy failure).
        tool_calls, tool_errors: Tool answers in the transcript, and those that were errors.
    """

    env_id: str
    task_id: str
    trial: int
    index: int
    passed: bool
    family: str
    gold_calls: int | None
    ended: str
    verification: dict
    turns: int
    tool_calls: int
    tool_errors: int
    tokens: dict

    @property
    def key(self) -> tuple[str, str, int]:
        return self.env_id, self.task_id, self.trial

    def reasons(self) -> list[str]:
        """The failure kinds that apply to this episode (empty if it passed)."""
        if self.passed:
            return []
        v = self.verification
        found = {
            "wrong_state": v.get("state_match") is False,
            "outputs_missing": v.get("outputs_match") is False,
            "exact_match_miss": v.get("exact_match") is False,
            "tool_errors": self.tool_errors > 0,
            "turn_limit": self.ended == "turn_limit",
            "user_ended": self.ended == "user",
            "episode_error": self.ended == "error",
        }
        return [kind for kind in FAILURE_KINDS if found[kind]]


# -- reading trajectories --------------------------------------------------------------------


def episodes_of(trajectories: Iterable[Any], facts: DomainFacts | None = None) -> list[Episode]:
    """One :class:`Episode` per trajectory, trials numbered in run order."""
    facts = facts or DomainFacts()
    seen: dict[tuple[str, str], int] = {}
    out = []
    for index, t in enumerate(trajectories):
        trial = seen.get((t.env_id, t.task_id), 0)
        seen[(t.env_id, t.task_id)] = trial + 1
        known = facts(t.env_id, t.task_id)
        tool_messages = [m for m in t.messages if m.get("role") == "tool"]
        out.append(
            Episode(
                env_id=t.env_id,
                task_id=t.task_id,
                trial=trial,
                index=index,
                passed=bool(t.passed),
                family=known.family,
                gold_calls=known.gold_calls,
                ended=_ending(t, known.ending_tools),
                verification=dict(t.verification or {}),
                turns=int(t.turns),
                tool_calls=len(tool_messages),
                tool_errors=sum(str(m.get("content", "")).startswith("Error:") for m in tool_messages),
                tokens=dict(t.tokens or {}),
            )
        )
    return out


@dataclass(frozen=True)
class TaskFacts:
    family: str = "unknown"
    gold_calls: int | None = None
    ending_tools: frozenset[str] = frozenset()  # the domain's tools that end an episode


class DomainFacts:
    """Task facts looked up from the registered domains (each loaded once per instance)."""

    def __init__(self):
        self.domains: dict[str, Any] = {}

    def __call__(self, env_id: str, task_id: str) -> TaskFacts:
        domain = self.domain(env_id)
        if domain is None:
            return TaskFacts()
        ending = self._ending_tools(domain)
        try:
            task = domain.task(task_id)
        except KeyError:
            return TaskFacts(ending_tools=ending)
        return TaskFacts(task.family, len(task.gold_calls), ending)

    def domain(self, env_id: str):
        """The domain of a registered id, else None."""
        if env_id not in self.domains:
            from .registry import domain_of

            try:
                self.domains[env_id] = domain_of(env_id)
            except KeyError:
                self.domains[env_id] = None
        return self.domains[env_id]

    def synthesized(self, env_id: str) -> bool | None:
        """Whether the id is a synthesized domain; None if it is not registered here."""
        from .splits import tags_of

        return None if self.domain(env_id) is None else "synthesized" in tags_of(env_id)

    @staticmethod
    @functools.cache
    def _ending_tools(domain) -> frozenset[str]:
        return frozenset(name for name, tool in domain.tools.items() if tool.ends_episode)


def _ending(t: Any, ending_tools: frozenset[str]) -> str:
    if t.error is not None:
        return "error"
    messages = list(t.messages)
    last = messages[-1] if messages else {}
    if last.get("role") == "user" and any(token in str(last.get("content", "")) for token in END_TOKENS):
        return "user"
    tail = []
    for m in reversed(messages):  # the tool answers of the last assistant turn
        if m.get("role") != "tool":
            break
        tail.append(m.get("name"))
    if any(name in ending_tools for name in tail):
        return "tool"
    return "turn_limit"


# -- one run ---------------------------------------------------------------------------------


def evaluate(
    trajectories: Iterable[Any],
    split: DomainSplit | None = None,
    facts: DomainFacts | None = None,
) -> dict:
    """Every figure of one run, per scope (see the module docstring for the layout)."""
    facts = facts or DomainFacts()
    episodes = episodes_of(trajectories, facts)
    scopes = scopes_of(episodes, split, facts)
    return {
        "scopes": {name: kind for name, (kind, _) in scopes.items()},
        "held_out": sorted(split.held_out) if split else [],
        "pass_hat_k": {name: pass_hat_curve(eps) for name, (_, eps) in scopes.items()},
        "by_gold_calls": {name: by_gold_calls(eps) for name, (_, eps) in scopes.items()},
        "by_family": {name: by_family(eps) for name, (_, eps) in scopes.items()},
        "failures": {name: failures(eps) for name, (_, eps) in scopes.items()},
        "episodes": {name: episode_stats(eps) for name, (_, eps) in scopes.items()},
        "failed": [
            {"env": e.env_id, "task": e.task_id, "trial": e.trial, "index": e.index, "reasons": e.reasons()}
            for e in episodes
            if not e.passed
        ],
    }


def scopes_of(
    episodes: Sequence[Episode], split: DomainSplit | None = None, facts: DomainFacts | None = None
) -> dict[str, tuple[str, list[Episode]]]:
    """``{name: (kind, episodes)}``: each env (``"env"``), each non-trivial group (``"group"``), ``"all"``."""
    envs: dict[str, list[Episode]] = {}
    for e in episodes:
        envs.setdefault(e.env_id, []).append(e)
    scopes = {env_id: ("env", eps) for env_id, eps in envs.items()}
    groups: dict[str, list[str]] = {}
    if facts is not None:
        for env_id in envs:
            synthesized = facts.synthesized(env_id)
            if synthesized is not None:
                groups.setdefault("synthesized" if synthesized else "hand-built", []).append(env_id)
        if len(groups) < 2:  # one kind only: the group is "all"
            groups = {}
    if split is not None:
        for env_id in envs:
            groups.setdefault(split.group(env_id), []).append(env_id)
    for name in ("hand-built", "synthesized", IN_DISTRIBUTION, HELD_OUT):
        if groups.get(name):
            scopes[name] = ("group", [e for env_id in groups[name] for e in envs[env_id]])
    scopes[ALL] = ("all", list(episodes))
    return scopes


def task_outcomes(episodes: Iterable[Episode]) -> dict[tuple[str, str], list[bool]]:
    out: dict[tuple[str, str], list[bool]] = {}
    for e in episodes:
        out.setdefault((e.env_id, e.task_id), []).append(e.passed)
    return out


def pass_hat_curve(episodes: Sequence[Episode]) -> dict[str, dict]:
    """``{k: {"value", "tasks"}}`` for k up to the fewest trials of any task, so every task counts at every k."""
    tasks = list(task_outcomes(episodes).values())
    if not tasks:
        return {}
    most = min(len(trials) for trials in tasks)
    return {
        str(k): {"value": _mean(pass_hat_k(sum(trials), len(trials), k) for trials in tasks), "tasks": len(tasks)}
        for k in range(1, most + 1)
    }


def gold_call_bucket(count: int | None) -> str:
    """``1``, ``2``, ``3``, ``4-5``, ``6+`` (``unknown`` when the task could not be looked up)."""
    if count is None or count < 1:
        return "unknown"
    return str(count) if count <= 3 else ("4-5" if count <= 5 else "6+")


def by_gold_calls(episodes: Sequence[Episode]) -> dict[str, dict]:
    """pass^1 per bucket of gold-call counts; every bucket is present (``pass^1`` None when empty)."""
    buckets = _grouped(episodes, lambda e: gold_call_bucket(e.gold_calls))
    names = list(GOLD_CALL_BUCKETS) + (["unknown"] if "unknown" in buckets else [])
    return {name: _pass_one(buckets.get(name, [])) for name in names}


def by_family(episodes: Sequence[Episode]) -> dict[str, dict]:
    """pass^1 per task family, families sorted by name."""
    return {family: _pass_one(eps) for family, eps in sorted(_grouped(episodes, lambda e: e.family).items())}


def failures(episodes: Sequence[Episode]) -> dict:
    """How the failed episodes failed (a failure may count under several kinds), and the tool-error rate."""
    failed = [e for e in episodes if not e.passed]
    out: dict[str, Any] = {"episodes": len(episodes), "failed": len(failed)}
    counts = {kind: 0 for kind in FAILURE_KINDS}
    tables: dict[str, int] = {}
    for e in failed:
        for kind in e.reasons():
            counts[kind] += 1
        for table in sorted({str(d.get("table")) for d in e.verification.get("diff") or ()}):
            tables[table] = tables.get(table, 0) + 1
    out.update(counts)
    out["wrong_state_tables"] = dict(sorted(tables.items(), key=lambda kv: (-kv[1], kv[0])))
    calls = sum(e.tool_calls for e in episodes)
    errors = sum(e.tool_errors for e in episodes)
    out.update(tool_calls=calls, tool_call_errors=errors, tool_error_rate=errors / calls if calls else 0.0)
    return out


def episode_stats(episodes: Sequence[Episode]) -> dict:
    """Turns and tool calls per episode (mean, median, max), and tokens where the policy reported them."""
    with_tokens = [e for e in episodes if e.tokens]
    tokens = None
    if with_tokens:
        tokens = {
            "episodes": len(with_tokens),
            "prompt": _mean(e.tokens.get("prompt", 0) for e in with_tokens),
            "completion": _mean(e.tokens.get("completion", 0) for e in with_tokens),
        }
    return {
        "count": len(episodes),
        "turns": _spread([e.turns for e in episodes]),
        "tool_calls": _spread([e.tool_calls for e in episodes]),
        "tokens": tokens,
    }


def _grouped(episodes: Iterable[Episode], key: Callable[[Episode], str]) -> dict[str, list[Episode]]:
    out: dict[str, list[Episode]] = {}
    for e in episodes:
        out.setdefault(key(e), []).append(e)
    return out


def _pass_one(episodes: Sequence[Episode]) -> dict:
    tasks = task_outcomes(episodes)
    value = _mean(sum(trials) / len(trials) for trials in tasks.values()) if tasks else None
    return {"pass^1": value, "tasks": len(tasks), "episodes": len(episodes)}


def _spread(values: Sequence[float]) -> dict:
    if not values:
        return {"mean": None, "median": None, "max": None}
    return {"mean": _mean(values), "median": statistics.median(values), "max": max(values)}


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values)


# -- run versus run --------------------------------------------------------------------------


def compare(
    a: Sequence[Episode],
    b: Sequence[Episode],
    *,
    split: DomainSplit | None = None,
    facts: DomainFacts | None = None,
    seed: int = 0,
    resamples: int = 10_000,
) -> dict:
    """Run B against run A, paired by (env, task, trial): ``delta`` = pass^1(B) - pass^1(A).

    The 95% interval is a paired bootstrap over tasks (a task's trials are resampled together,
    since they share the task's difficulty), percentile method, ``resamples`` draws from a numpy
    generator seeded with ``seed``: the same seed gives the same interval. Returns ``pairs``,
    ``unpaired`` (episodes only one run has), the overall ``delta``, ``ci_low``, ``ci_high``,
    ``by_scope`` (the same per env and group) and ``flipped``: the tasks whose trials went
    ``fail_to_pass`` or ``pass_to_fail``.
    """
    facts = facts or DomainFacts()
    in_b = {e.key: e for e in b}
    pairs = [(e, in_b[e.key]) for e in a if e.key in in_b]
    in_a = {e.key for e in a}
    scopes = scopes_of([ea for ea, _ in pairs], split, facts)
    outcome = {ea.key: (ea.passed, eb.passed) for ea, eb in pairs}
    by_scope = {
        name: paired_bootstrap([outcome[e.key] for e in eps], [e.key[:2] for e in eps], seed, resamples)
        for name, (_, eps) in scopes.items()
    }
    overall = by_scope[ALL]
    return {
        "pairs": len(pairs),
        "unpaired": {"a": len(a) - len(pairs), "b": sum(e.key not in in_a for e in b)},
        "seed": seed,
        "resamples": resamples,
        "delta": overall["delta"],
        "ci_low": overall["ci_low"],
        "ci_high": overall["ci_high"],
        "by_scope": by_scope,
        "flipped": flipped(pairs),
    }


def paired_bootstrap(
    outcomes: Sequence[tuple[bool, bool]], clusters: Sequence[Any], seed: int = 0, resamples: int = 10_000
) -> dict:
    """Mean of (b - a) over paired outcomes, with a 95% percentile interval from resampling clusters.

    Written here rather than taken from ``scipy.stats.bootstrap``: that resamples single
    observations, not clusters (a task's trials), and scipy is not a dependency.
    """
    if not outcomes:
        return {"pairs": 0, "a": None, "b": None, "delta": None, "ci_low": None, "ci_high": None}
    ids: dict[Any, int] = {}
    for c in clusters:
        ids.setdefault(c, len(ids))
    index = np.array([ids[c] for c in clusters])
    diff = np.array([int(y) - int(x) for x, y in outcomes], dtype=float)
    sums = np.bincount(index, weights=diff, minlength=len(ids))
    counts = np.bincount(index, minlength=len(ids)).astype(float)
    rng = np.random.default_rng(seed)
    draws, block = [], max(1, 2_000_000 // len(ids))  # draws in blocks: memory stays ~2M indices
    for start in range(0, resamples, block):
        pick = rng.integers(0, len(ids), size=(min(block, resamples - start), len(ids)))
        draws.append(sums[pick].sum(axis=1) / counts[pick].sum(axis=1))
    low, high = np.percentile(np.concatenate(draws), [2.5, 97.5])
    return {
        "pairs": len(outcomes),
        "a": _mean(x for x, _ in outcomes),
        "b": _mean(y for _, y in outcomes),
        "delta": float(diff.mean()),
        "ci_low": float(low),
        "ci_high": float(high),
    }


def flipped(pairs: Sequence[tuple[Episode, Episode]]) -> dict[str, list[dict]]:
    """Per direction, the tasks with trials that flipped: ``{"env", "task", "trials"}``."""
    out: dict[str, dict[tuple[str, str], list[int]]] = {"fail_to_pass": {}, "pass_to_fail": {}}
    for ea, eb in pairs:
        if ea.passed != eb.passed:
            way = "fail_to_pass" if eb.passed else "pass_to_fail"
            out[way].setdefault((ea.env_id, ea.task_id), []).append(ea.trial)
    return {
        way: [{"env": env, "task": task, "trials": trials} for (env, task), trials in tasks.items()]
        for way, tasks in out.items()
    }


# -- text ------------------------------------------------------------------------------------


def format_text(result: dict, comparison: dict | None = None) -> str:
    """The evaluation as plain-text tables (what ``agentscaler eval`` prints)."""
    scopes = list(result["scopes"])
    width = max(len(s) for s in scopes + ["scope"])
    most = max((len(c) for c in result["pass_hat_k"].values()), default=0)
    lines = [
        "pass^k (stability)",
        f"{'scope':<{width}}  {'tasks':>6}  " + "  ".join(f"{'k=' + str(k):>6}" for k in range(1, most + 1)),
    ]
    for s in scopes:
        curve = result["pass_hat_k"][s]
        tasks = next(iter(curve.values()))["tasks"] if curve else 0
        cells = "  ".join(
            f"{curve[str(k)]['value']:>6.3f}" if str(k) in curve else f"{'':>6}" for k in range(1, most + 1)
        )
        lines.append(f"{s:<{width}}  {tasks:>6}  {cells}")
    lines += ["", "pass^1 by gold calls (long horizon; tasks in brackets)"]
    buckets = list(result["by_gold_calls"][ALL])
    lines.append(f"{'scope':<{width}}  " + "  ".join(f"{b:>12}" for b in buckets))
    for s in scopes:
        row = result["by_gold_calls"][s]
        lines.append(f"{s:<{width}}  " + "  ".join(f"{_cell(row.get(b)):>12}" for b in buckets))
    lines += ["", "pass^1 by task family (all)"]
    families = result["by_family"][ALL]
    fw = max((len(f) for f in families), default=6)
    lines += [f"  {f:<{fw}}  {_cell(row)}" for f, row in families.items()]
    lines += ["", "failures (episodes; a failure may have several causes)"]
    kinds = ("failed",) + FAILURE_KINDS
    lines.append(f"{'scope':<{width}}  " + "  ".join(f"{k:>{max(len(k), 6)}}" for k in kinds) + "  tool err rate")
    for s in scopes:
        f = result["failures"][s]
        cells = "  ".join(f"{f[k]:>{max(len(k), 6)}}" for k in kinds)
        lines.append(f"{s:<{width}}  {cells}  {f['tool_error_rate']:>13.1%}")
    tables = result["failures"][ALL]["wrong_state_tables"]
    if tables:
        lines.append("wrong final state by table: " + ", ".join(f"{t} {n}" for t, n in tables.items()))
    lines += ["", "per episode (mean / median / max)"]
    for s in scopes:
        e = result["episodes"][s]
        tokens = e["tokens"]
        extra = f"  tokens {tokens['prompt']:.0f} prompt + {tokens['completion']:.0f} completion" if tokens else ""
        lines.append(
            f"{s:<{width}}  turns {_spread_text(e['turns'])}  tool calls {_spread_text(e['tool_calls'])}{extra}"
        )
    if comparison is not None:
        lines += ["", format_comparison(comparison)]
    return "\n".join(lines)


def format_comparison(c: dict) -> str:
    lines = [
        f"run B vs run A: {c['pairs']} paired episodes (unpaired: A {c['unpaired']['a']}, B {c['unpaired']['b']});"
        f" paired bootstrap over tasks, {c['resamples']} draws, seed {c['seed']}"
    ]
    width = max(len(s) for s in list(c["by_scope"]) + ["scope"])
    lines.append(f"{'scope':<{width}}  {'pairs':>6}  {'A':>6}  {'B':>6}  {'B-A':>7}  95% interval")
    for s, r in c["by_scope"].items():
        if r["delta"] is None:
            continue
        lines.append(
            f"{s:<{width}}  {r['pairs']:>6}  {r['a']:>6.3f}  {r['b']:>6.3f}  {r['delta']:>+7.3f}  [{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]"
        )
    for way, tasks in c["flipped"].items():
        shown = ", ".join(f"{t['env']} {t['task']}" for t in tasks[:20])
        more = f" (+{len(tasks) - 20} more)" if len(tasks) > 20 else ""
        lines.append(f"{way.replace('_', ' ')}: {len(tasks)} tasks" + (f": {shown}{more}" if tasks else ""))
    return "\n".join(lines)


def _cell(row: dict | None) -> str:
    if not row or row["pass^1"] is None:
        return "-"
    return f"{row['pass^1']:.3f} [{row['tasks']}]"


def _spread_text(s: dict) -> str:
    return "-" if s["mean"] is None else f"{s['mean']:.2f} / {s['median']:g} / {s['max']}"
