"""The synthesis pipeline: corpus -> tool graph -> domains -> schema -> tools -> tasks -> folders.

    synthesize(corpus, out, SynthConfig(seed=0, workers=2))

1. corpus: ``ApiSpec`` list (``corpus.py``)
2. tool graph and Louvain communities (``graph.py``), in this process
3-6. per community, in ``workers`` processes: tool shapes and entities (``schema.py``), operators
   (``operators.py``), seed rows (``values.py``) and policy (``policy.py``), assembled into one
   :class:`~.spec.DomainSpec` that the later stages read: tasks from walks (``taskgen.py``),
   validation (``validate.py``); a community that fails any stage is dropped with a counted reason
7. one folder per validated domain (``folder.py``; ``domain.json`` by ``DomainSpec.write``), plus ``report.json``, ``report.md`` and a
   picture of the tool graph (``graph.png``) coloured by domain, written into a folder beside
   ``out`` and swapped in whole (:func:`staged`), so ``out`` is always the previous run or this one

Same corpus and settings, same folders, byte for byte: results are collected in community order,
names are assigned after, and every random choice is seeded.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import multiprocessing
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .folder import build_domain, write_domain_folder
from .graph import GraphSettings, Partition, ToolGraph, build_graph, detect_domains, parameter_features
from .groups import cluster_labels, source_group, theme_words
from .operators import guard_sessions, plan_in_scope, tool_spec
from .policy import policy_text
from .schema import bind_entities, infer_schema, selection_scopes, tool_shape
from .spec import DomainSpec, ToolSpec, check_spec, dumps
from .taskgen import TaskSettings, generate_tasks
from .validate import validate_domain
from .values import seed_data
from .words import human, plural, snake, words


@dataclass
class SynthConfig:
    """Settings of a synthesis run.

    Attributes:
        seed: Seeds Louvain, the data generators and the task walks.
        max_domains: Stop after this many validated domains (None: all).
        workers: Processes for the per-domain stages (1: in this process).
        rows: Seed rows per table.
        min_test: Fewest valid test tasks a domain must keep (and as many train tasks).
        picture: Draw ``graph.png`` when matplotlib is installed.
        emit_code: Also write each domain as readable code (``view.py``, never executed).
        graph: Tool graph and community settings.
        tasks: Task generation settings.
    """

    seed: int = 0
    max_domains: int | None = None
    workers: int = 1
    rows: int = 16
    min_test: int = 2
    picture: bool = True
    emit_code: bool = False
    graph: GraphSettings = field(default_factory=GraphSettings)
    tasks: TaskSettings = field(default_factory=TaskSettings)


@dataclass
class DomainResult:
    """What the per-domain stages made of one community."""

    community: int
    tools: int
    spec: DomainSpec | None = None
    tasks: dict | None = None
    dropped: collections.Counter = field(default_factory=collections.Counter)  # "stage: reason" -> count


@dataclass
class Report:
    """Counts of every stage (``summary`` is what ``report.json`` holds) and wall time per stage."""

    summary: dict
    timings: dict
    domains: list[str]


def synthesize(
    corpus: Any,
    out: str | Path | None,
    config: SynthConfig = SynthConfig(),
    progress: Callable[[str, int], Any] | None = None,
) -> Report:
    """Run stages 2-7 on ``corpus`` (a :class:`~agentscaler_gym.synth.corpus.Corpus`); write to ``out``.

    ``progress(stage, total)`` may return a tqdm-like object (``update(n)``, ``close()``).
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    apis = list(corpus.apis)
    features = [parameter_features(a.parameters) for a in apis]
    graph = build_graph(features, config.graph)
    timings["graph"] = time.perf_counter() - clock
    clock = time.perf_counter()
    groups, labels = cluster_labels(apis)
    partition = detect_domains(graph, config.seed, config.graph, groups=labels)
    timings["communities"] = time.perf_counter() - clock

    clock = time.perf_counter()
    jobs = [
        (i, [apis[k] for k in members], config, [groups[k] for k in members])
        for i, members in enumerate(partition.domains)
    ]
    bar = progress("domains", len(jobs)) if progress else None
    results: list[DomainResult] = []
    validated = 0
    for result in _run(jobs, config.workers):
        results.append(result)
        validated += result.spec is not None
        if bar is not None:
            bar.update(1)
        if config.max_domains is not None and validated >= config.max_domains:
            break
    if bar is not None:
        bar.close()
    timings["domains"] = time.perf_counter() - clock

    clock = time.perf_counter()
    kept = _name(results)
    summary = _summary(corpus, graph, partition, results, kept, config)
    if out is not None:
        with staged(Path(out)) as stage:
            for result in kept:
                write_domain_folder(stage / result.spec.name, result.spec, result.tasks, code=config.emit_code)
            note = draw_graph(graph, partition, kept, stage / "graph.png") if config.picture else None
            (stage / "report.json").write_text(dumps(summary), encoding="utf-8")
            (stage / "report.md").write_text(
                report_markdown(summary) + (f"\n{note}\n" if note else ""), encoding="utf-8"
            )
    timings["write"] = time.perf_counter() - clock
    return Report(summary, timings, [r.spec.name for r in kept])


def _run(jobs: Sequence[tuple], workers: int) -> Iterator[DomainResult]:
    if workers <= 1 or len(jobs) < 2:
        yield from (synthesize_domain(*job) for job in jobs)
        return
    fork = "fork" in multiprocessing.get_all_start_methods()
    if fork:
        gc.freeze()  # forked workers then share the corpus' pages instead of copying them as the collector walks them
    try:
        with multiprocessing.get_context("fork" if fork else "spawn").Pool(workers, maxtasksperchild=200) as pool:
            yield from pool.imap(_synthesize_job, jobs, chunksize=2)
    finally:
        if fork:
            gc.unfreeze()


def _synthesize_job(job: tuple) -> DomainResult:
    return synthesize_domain(*job)


def synthesize_domain(
    community: int, apis: Sequence[Any], config: SynthConfig, groups: Sequence[str] | None = None
) -> DomainResult:
    """Stages 3-6 for one community of APIs (``groups``: their source groups); never raises (a failure is a counted reason)."""
    groups = list(groups) if groups is not None else [source_group(a) for a in apis]
    group_of = {a.name: g for a, g in zip(apis, groups)}
    result = DomainResult(community, len(apis))
    stage = "schema"
    try:
        shapes = [tool_shape(a) for a in apis]
        bound = bind_entities(shapes)
        scopes = selection_scopes(shapes)  # a current record (directory, account) kept between calls
        plans, usable = {}, []
        for shape in shapes:
            plan, reason = plan_in_scope(shape, bound[shape.name], scopes)
            if plan is None:
                result.dropped[f"tool: {reason}"] += 1
            else:
                plans[shape.name] = plan
                usable.append(shape)
        guard_sessions(usable, plans)
        if len(usable) < config.graph.min_tools:
            result.dropped["domain: too few executable tools"] += 1
            return result
        built = infer_schema(usable, plans)
        stage = "operators"
        tools = tuple(tool_spec(s, plans[s.name], built) for s in usable)
        entities = tuple(e.spec() for e in built.values())
        title = domain_title(usable, tools, [group_of[s.name] for s in usable])
        description = f"{len(tools)} tools over {', '.join(plural(human(e.name)) for e in entities)}."
        spec = DomainSpec(
            name=snake(title),
            title=title,
            description=description,
            policy=policy_text(title, description, entities, tools),
            data=seed_data(entities, config.seed, config.rows),
            entities=entities,
            tools=tools,
            source=tuple(sorted({s.source for s in usable})),
            groups=tuple(sorted({group_of[s.name] for s in usable})),
        )
        stage = "spec"
        check_spec(spec.to_json())  # what a folder may hold: a spec the loader would refuse is never written
        stage = "tasks"
        domain = build_domain(spec, {})
        candidates, walk_drops = generate_tasks(spec, domain, config.seed, config.tasks)
        result.dropped.update({f"walk: {k}": v for k, v in walk_drops.items()})
        stage = "validation"
        tasks, reasons = validate_domain(spec, candidates, config.min_test, config.min_test, domain)
        result.dropped.update(reasons)
        if tasks is not None:
            result.spec, result.tasks = spec, tasks
    except Exception as exc:  # noqa: BLE001 - a community that breaks a stage is dropped, not fatal
        result.dropped[f"domain: {stage} failed ({type(exc).__name__})"] += 1
    return result


def domain_title(shapes: Sequence[Any], tools: Sequence[ToolSpec], groups: Sequence[str] = ()) -> str:
    """The source group most tools share (an API title, a theme, a function family), else the main entities.

    A family pool (several families sharing a theme word) is titled by that word and its main
    entity (``Interest: loans``). Entity names are made plural once (``stats``, not ``statses``).
    """
    named = collections.Counter(g.strip() for g in groups if g and g.strip()) or collections.Counter(
        s.category.strip() for s in shapes if s.category and s.category.strip()
    )
    by_entity = collections.Counter(t.operator.entity for t in tools if t.operator.entity)
    top = [e for e, _ in sorted(by_entity.items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
    entities = [_plural_title(e) for e in top]
    if named:
        group, count = min(named.items(), key=lambda kv: (-kv[1], kv[0]))
        if count * 2 >= len(shapes) and words(group):
            return " ".join(words(group)[:6]).capitalize()
        shared = set.intersection(*(set(theme_words(g)) for g in named))
        if shared:
            theme = next(w for w in theme_words(group) if w in shared)
            # verbs (``calculate``, ``authenticate``) and the theme itself add nothing to the title
            nouns = [
                _plural_title(e)
                for e in top
                if theme_words(e) and theme not in theme_words(e) and not _VERBISH.search(e)
            ]
            return f"{theme.capitalize()}: {' and '.join(nouns)}" if nouns else theme.capitalize()
    return " and ".join(entities).capitalize() or "Calculations"  # no entity: computations only


_VERBISH = re.compile(r"(ate|ize|ise|ify)$")


def _plural_title(entity: str) -> str:
    """``pet`` -> ``pets``; a name already plural or uncountable in form (``stats``, ``ls``) stays."""
    text = human(entity)
    return text if text.endswith("s") else plural(text)


def reserved_names() -> set[str]:
    """Names a synthesized domain must not take: those of the hand-built domains in ``registry.yaml``."""
    from ..registry import SYNTHESIZED, entries

    return {e.name for e in entries().values() if SYNTHESIZED not in e.tags}


def _name(results: Iterable[DomainResult]) -> list[DomainResult]:
    """Validated results, each named uniquely (``pet_store``, ``pet_store_2``), in community order."""
    kept, used = [], reserved_names()
    for result in results:
        if result.spec is None:
            continue
        base = result.spec.name[:48].strip("_") or "domain"
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        result.spec = replace(result.spec, name=name)
        kept.append(result)
    return kept


OUTPUTS = ("report.json", "report.md", "graph.png")


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh folder beside ``out`` to write a whole run into, swapped in for ``out`` once complete.

    A run that fails leaves ``out`` as it was; a run that is killed also leaves a hidden
    ``.<out>.synth-*`` folder beside it. What ``out`` holds besides synthesis output (domain
    folders, ``report.*``, ``graph.png``) is moved into the new folder before the swap, which is
    two renames: the old folder aside, the new one in place.
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.synth-{secrets.token_hex(4)}"
    stage.mkdir()
    try:
        if out.is_dir():
            stage.chmod(out.stat().st_mode & 0o7777)
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _swap(stage, out)


def _swap(stage: Path, out: Path) -> None:
    """Put ``stage`` in place of ``out``; on an OS error nothing is deleted (the stage stays beside ``out``)."""
    if not out.is_dir():
        stage.rename(out)
        return
    for entry in sorted(out.iterdir()):
        if not (entry.name in OUTPUTS or (entry / "domain.json").exists()):
            entry.rename(stage / entry.name)
    old = out.rename(stage.with_name(stage.name + ".old"))
    try:
        stage.rename(out)
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old)


# ---------------------------------------------------------------------------------------------
# Report


def _summary(
    corpus: Any,
    graph: ToolGraph,
    partition: Partition,
    results: list[DomainResult],
    kept: list[DomainResult],
    config: SynthConfig,
) -> dict:
    dropped: collections.Counter = collections.Counter()
    for r in results:
        dropped.update(r.dropped)
    sizes = collections.Counter(len(d) for d in partition.domains)
    tasks = {split: sum(len(r.tasks.get(split, ())) for r in kept) for split in ("train", "test")}
    per_stage: dict[str, dict] = collections.defaultdict(dict)
    for reason, count in sorted(dropped.items()):
        stage, _, what = reason.partition(": ")
        per_stage[stage][what] = count
    return {
        "corpus": {
            "name": getattr(corpus, "name", ""),
            "apis": len(corpus.apis),
            "dropped": dict(sorted(corpus.dropped.items())),
        },
        "graph": {
            "tools": graph.n,
            "edges": int(len(graph.weights)),
            "candidate_pairs": int(graph.candidate_pairs),
            "communities": len(partition.domains),
            "community_sizes": {str(k): v for k, v in sorted(sizes.items())},
            "dropped_tools": dict(sorted(partition.dropped.items())),
        },
        "domains": {
            "processed": len(results),
            "validated": len(kept),
            "dropped": sum(1 for r in results if r.spec is None),
        },
        "tasks": {**tasks, "total": tasks["train"] + tasks["test"]},
        "dropped": dict(per_stage),
        "per_domain": [
            {
                "name": r.spec.name,
                "title": r.spec.title,
                "tools": len(r.spec.tools),
                "entities": len(r.spec.entities),
                "train": len(r.tasks["train"]),
                "test": len(r.tasks["test"]),
            }
            for r in kept
        ],
        "settings": {
            "seed": config.seed,
            "max_domains": config.max_domains,
            "rows": config.rows,
            "min_test": config.min_test,
            "graph": asdict(config.graph),
            "tasks": {**asdict(config.tasks), "walk_length": list(config.tasks.walk_length)},
        },
    }


def report_markdown(s: dict) -> str:
    lines = [
        f"# Synthesis report: {s['corpus']['name'] or 'corpus'}",
        "",
        "| stage | result |",
        "|---|---|",
        f"| corpus | {s['corpus']['apis']} APIs kept, {sum(s['corpus']['dropped'].values())} dropped |",
        f"| tool graph | {s['graph']['tools']} tools, {s['graph']['edges']} edges ({s['graph']['candidate_pairs']} candidate pairs scored) |",
        f"| communities | {s['graph']['communities']} domains of {min(map(int, s['graph']['community_sizes']), default=0)}-"
        f"{max(map(int, s['graph']['community_sizes']), default=0)} tools; {sum(s['graph']['dropped_tools'].values())} tools left out |",
        f"| domains | {s['domains']['validated']} validated of {s['domains']['processed']} processed |",
        f"| tasks | {s['tasks']['total']} ({s['tasks']['train']} train, {s['tasks']['test']} test) |",
        "",
    ]
    sections = [
        ("Corpus: dropped APIs", s["corpus"]["dropped"]),
        ("Tool graph: tools left out", s["graph"]["dropped_tools"]),
    ]
    sections += [(f"Dropped at stage: {stage}", reasons) for stage, reasons in s["dropped"].items()]
    for title, reasons in sections:
        if reasons:
            lines += [f"## {title}", "", "| reason | count |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
            lines.append("")
    lines += ["## Domains", "", "| domain | title | tools | entities | train | test |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {d['name']} | {d['title']} | {d['tools']} | {d['entities']} | {d['train']} | {d['test']} |"
        for d in s["per_domain"]
    ]
    return "\n".join(lines) + "\n"


def draw_graph(
    graph: ToolGraph, partition: Partition, kept: list[DomainResult], path: Path, max_nodes: int = 1500
) -> str | None:
    """Draw the tool graph of the kept domains, one colour per domain; returns a note when it cannot."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import networkx as nx
    except ImportError:
        return "No picture: matplotlib is not installed (pip install 'agentscaler-gym[synth]')."
    nodes: list[int] = []
    colour: dict[int, int] = {}
    for k, result in enumerate(kept):
        members = partition.domains[result.community]
        if len(nodes) + len(members) > max_nodes:
            break
        nodes += members
        colour.update({v: k for v in members})
    if not nodes:
        return "No picture: no domain was kept."
    g = graph.to_networkx().subgraph(nodes)
    layout = nx.spring_layout(g, seed=0, k=None, iterations=60)
    fig, ax = plt.subplots(figsize=(12, 12), dpi=100)
    cmap = plt.get_cmap("tab20")
    nx.draw_networkx_edges(g, layout, ax=ax, alpha=0.15, width=0.5)
    nx.draw_networkx_nodes(g, layout, ax=ax, node_size=18, node_color=[cmap(colour[v] % 20) for v in g.nodes])
    shown = len({colour[v] for v in nodes})
    ax.set_title(f"Tool graph: {len(nodes)} tools in {shown} of {len(kept)} domains (colour = domain)")
    ax.set_axis_off()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return None if shown == len(kept) else f"The picture shows the first {shown} domains ({len(nodes)} tools)."
