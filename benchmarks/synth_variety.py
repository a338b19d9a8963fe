"""Variety of synthesized tasks per domain: distinct tool sequences beside what the graph allows.

    python benchmarks/synth_variety.py --tasks 1000 --workers 2            # the built-in domains
    python benchmarks/synth_variety.py --corpus builtin --tasks 1000 --workers 2
    python benchmarks/synth_variety.py --folder some/synthesized/folder --tasks 200

The domain specs come from a folder of synthesized domains (``--folder``, by default the committed
built-in ones) or from a fresh synthesis of ``--corpus`` (a spec does not depend on the task count).
For each domain, in ``--workers`` processes, tasks are made and validated exactly as synthesis does
(:func:`~agentscaler_gym.synth.taskgen.generate_tasks` then
:func:`~agentscaler_gym.synth.validate.validate_domain`, same seed), and one JSON line is printed:
``tasks`` kept, distinct gold tool ``sequences``, the graph's ``bound`` on them
(:func:`~agentscaler_gym.synth.quality.sequence_bound`, counted up to 10,000),
``test_unseen`` (share of test tasks whose sequence train never shows), the task measures a
trainer relies on (transcription, true dependency, read-only share, mean gold length) and the
``seconds`` the domain's tasks took (generation and validation). A last line sums them up.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentscaler_gym.synth.spec import DomainSpec  # noqa: E402

BUILTIN = Path(__file__).resolve().parents[1] / "agentscaler_gym" / "synth" / "builtin"


def measure_domain(job: tuple[DomainSpec, int, int]) -> dict:
    """Make, validate and measure one domain's tasks."""
    from agentscaler_gym.synth.folder import build_domain
    from agentscaler_gym.synth.quality import sequence_bound, task_measures
    from agentscaler_gym.synth.taskgen import TaskSettings, generate_tasks
    from agentscaler_gym.synth.validate import validate_domain

    spec, count, seed = job
    settings = TaskSettings(count=count)
    start = time.perf_counter()
    candidates, _ = generate_tasks(spec, build_domain(spec, {}), seed, settings)
    made = time.perf_counter() - start
    tasks, _ = validate_domain(spec, candidates)
    seconds = time.perf_counter() - start
    line = {"domain": spec.name, "bound": sequence_bound(spec, settings.walk_length)}
    if tasks is None:
        return {**line, "tasks": 0, "sequences": 0, "seconds": round(seconds, 1)}
    m = task_measures(build_domain(spec, tasks), spec)
    n = m["tasks"]
    return {
        **line,
        "tasks": n,
        "sequences": m["sequences"],
        "test_tasks": m["test_tasks"],
        "test_unseen": round(m["test_unseen"] / max(m["test_tasks"], 1), 4),
        "transcription": round(m.get("transcription", 0) / n, 4),
        "true_dependency": round(m.get("true_dependency", 0) / n, 4),
        "read_only": round(m.get("read_only", 0) / n, 4),
        "gold_length": round(m["gold_calls"] / n, 2),
        "seconds_tasks": round(made, 1),
        "seconds": round(seconds, 1),
    }


def specs_of(folder: Path) -> list[DomainSpec]:
    return [DomainSpec.read(p) for p in sorted(folder.glob("*/domain.json"))]


def synthesized_specs(corpus_name: str, workers: int) -> list[DomainSpec]:
    from agentscaler_gym.synth.corpus import load_corpus
    from agentscaler_gym.synth.pipeline import SynthConfig, synthesize

    with tempfile.TemporaryDirectory() as out:
        synthesize(load_corpus(corpus_name), out, SynthConfig(workers=workers, picture=False))
        return specs_of(Path(out))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default=None, help="synthesize this corpus for the specs (default: --folder)")
    p.add_argument("--folder", default=str(BUILTIN), help="a folder of synthesized domains")
    p.add_argument("--tasks", type=int, default=1000, help="tasks wanted per domain")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--domains", nargs="*", default=None, help="only these domains")
    args = p.parse_args(argv)
    start = time.perf_counter()
    specs = synthesized_specs(args.corpus, args.workers) if args.corpus else specs_of(Path(args.folder))
    if args.domains:
        specs = [s for s in specs if s.name in args.domains]
    jobs = [(spec, args.tasks, args.seed) for spec in specs]
    lines = []
    if args.workers > 1:
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            for line in pool.imap(measure_domain, jobs):
                print(json.dumps(line), flush=True)
                lines.append(line)
    else:
        for job in jobs:
            lines.append(measure_domain(job))
            print(json.dumps(lines[-1]), flush=True)
    allowed = [x for x in lines if x["bound"] >= 200]
    test = sum(x.get("test_tasks", 0) for x in lines)
    unseen = sum(round(x.get("test_unseen", 0) * x.get("test_tasks", 0)) for x in lines)
    summary = {
        "domains": len(lines),
        "tasks_wanted": args.tasks,
        "tasks": sum(x["tasks"] for x in lines),
        "graph_allows_200": len(allowed),
        "reach_200": sum(x["sequences"] >= 200 for x in allowed),
        "fewest_sequences": min((x["sequences"] for x in lines), default=0),
        "test_unseen": round(unseen / test, 4) if test else 0.0,
        "test_unseen_lowest": min((x.get("test_unseen", 0) for x in lines), default=0),
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
