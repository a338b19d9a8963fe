"""Synthesis at scale: wall time, peak memory and yield per corpus, beside the quadratic reference.

    python benchmarks/synth.py [--corpus builtin bfcl openapi] [--workers 2] [--sample 3000] [--max-domains N]

Each corpus runs in its own process (so peak memory is its own) and prints one JSON object per line:

- ``end_to_end``: wall seconds per stage (corpus load, tool graph, communities, per-domain stages,
  writing), CPU seconds of all processes (unlike wall time, unmoved by other load on the machine)
  and apart (the corpus load, the rest of the main process, the per-domain workers), the
  communities processed (``--max-domains`` stops early: a quick sample of the per-domain CPU cost),
  peak RSS of the main process and of the largest worker,
  the peak total PSS of all processes (shared pages counted once), and the yield: APIs kept,
  communities, validated domains, tasks.
- ``similarity``: our sparse tool-graph build on the whole corpus beside the naive reference, an
  all-pairs cosine similarity (one dense numpy matrix product) timed on a random sample of
  ``--sample`` tools and extrapolated by ``(N / sample)^2``; on the sample itself, the share of the
  reference's edges our blocked similarity also finds before the per-tool degree cap (``edge_recall``).

``bfcl`` and ``openapi`` are fetched on first use (``agentscaler_gym.synth.fetch``: pip and npm).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", default=["builtin", "bfcl", "openapi"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument("--max-domains", type=int, help="stop after this many validated domains (a quick CPU sample)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.corpus[0], args.workers, args.sample, args.max_domains)
        return
    for corpus in args.corpus:  # a fresh process per corpus: peak memory is that corpus' own
        command = [
            sys.executable,
            __file__,
            "--one",
            "--corpus",
            corpus,
            "--workers",
            str(args.workers),
            "--sample",
            str(args.sample),
        ] + (["--max-domains", str(args.max_domains)] if args.max_domains else [])
        subprocess.run(command, check=True)


def run_one(source: str, workers: int, sample: int, max_domains: int | None = None) -> None:
    from agentscaler_gym.synth.corpus import load_corpus
    from agentscaler_gym.synth.graph import GraphSettings, build_graph, parameter_features
    from agentscaler_gym.synth.pipeline import SynthConfig, synthesize

    memory = MemorySampler()
    start = time.perf_counter()
    corpus = load_corpus(source)
    load_s = time.perf_counter() - start
    load_cpu = cpu_s(resource.RUSAGE_SELF)
    with tempfile.TemporaryDirectory() as out:
        report = synthesize(corpus, out, SynthConfig(workers=workers, picture=False, max_domains=max_domains))
    wall = time.perf_counter() - start
    main_cpu, workers_cpu = cpu_s(resource.RUSAGE_SELF) - load_cpu, cpu_s(resource.RUSAGE_CHILDREN)
    processed = report.summary["domains"]["processed"]
    memory.stop()
    s = report.summary
    emit(
        {
            "corpus": source,
            "metric": "end_to_end",
            "workers": workers,
            "wall_s": round(wall, 1),
            "stages_s": {"corpus": round(load_s, 1), **{k: round(v, 1) for k, v in report.timings.items()}},
            "cpu_s": round(cpu_s(resource.RUSAGE_SELF) + cpu_s(resource.RUSAGE_CHILDREN), 1),
            "cpu_s_parts": {"corpus": round(load_cpu, 1), "main": round(main_cpu, 1), "workers": round(workers_cpu, 1)},
            "domains_processed": processed,
            "peak_rss_mb": {"main": rss_mb(resource.RUSAGE_SELF), "largest_worker": rss_mb(resource.RUSAGE_CHILDREN)},
            "peak_pss_mb_all_processes": memory.peak_mb,
            "apis": s["corpus"]["apis"],
            "apis_dropped": sum(s["corpus"]["dropped"].values()),
            "edges": s["graph"]["edges"],
            "communities": s["graph"]["communities"],
            "domains_validated": s["domains"]["validated"],
            "tasks": s["tasks"]["total"],
        }
    )

    features = [parameter_features(a.parameters) for a in corpus.apis]
    settings = GraphSettings()
    t0 = time.perf_counter()
    build_graph(features, settings)
    ours = time.perf_counter() - t0
    rng = random.Random(0)
    picked = sorted(rng.sample(range(len(features)), min(sample, len(features))))
    subset = [features[i] for i in picked]
    t0 = time.perf_counter()
    reference_edges = dense_edges(subset, settings.threshold)
    reference_sample = time.perf_counter() - t0
    ours_sample = build_graph(subset, dataclasses.replace(settings, top_k=len(subset)))  # blocking alone, no degree cap
    found = set(zip(ours_sample.sources.tolist(), ours_sample.targets.tolist()))
    recall = len(found & reference_edges) / len(reference_edges) if reference_edges else 1.0
    scale = (len(features) / len(subset)) ** 2
    emit(
        {
            "corpus": source,
            "metric": "similarity",
            "tools": len(features),
            "ours_s": round(ours, 2),
            "reference": f"all-pairs cosine, dense numpy, timed on {len(subset)} tools and scaled by (N/sample)^2",
            "reference_s": round(reference_sample * scale, 1),
            "speedup": round(reference_sample * scale / ours, 1),
            "reference_matrix_gb": round(len(features) ** 2 * 4 / 1e9, 1),
            "sample": len(subset),
            "edge_recall_on_sample": round(recall, 3),
            "reference_edges_on_sample": len(reference_edges),
        }
    )


def dense_edges(features: list[dict[str, float]], threshold: float) -> set[tuple[int, int]]:
    """The reference: TF-IDF over every feature, every pair scored by one dense matrix product."""
    vocab: dict[str, int] = {}
    for f in features:
        for name in f:
            vocab.setdefault(name, len(vocab))
    matrix = np.zeros((len(features), len(vocab)), dtype=np.float32)
    for i, f in enumerate(features):
        for name, weight in f.items():
            matrix[i, vocab[name]] = weight
    df = (matrix > 0).sum(axis=0)
    matrix *= (np.log((1 + len(features)) / (1 + df)) + 1.0).astype(np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    sims = matrix @ matrix.T
    i, j = np.nonzero(np.triu(sims >= threshold - 1e-6, k=1))
    return set(zip(i.tolist(), j.tolist()))


class MemorySampler:
    """Samples, every half second, the proportional set size (PSS) of this process and its children.

    RSS counts the corpus pages forked workers share with the main process once per process; PSS
    splits shared pages between them, so its sum is the memory the run really holds (Linux only;
    ``peak_mb`` is None elsewhere).
    """

    def __init__(self):
        import threading

        self.peak_mb: int | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import os

        while not self._done.wait(0.5):
            pids = [os.getpid()] + _children(os.getpid())
            total = sum(_pss_kb(pid) or 0 for pid in pids)
            if total:
                self.peak_mb = max(self.peak_mb or 0, total // 1024)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _pss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except (OSError, StopIteration, ValueError):
        return None


def cpu_s(who: int) -> float:
    """User + system CPU seconds: unlike wall time, unaffected by other load on the machine."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def rss_mb(who: int) -> int:
    return int(resource.getrusage(who).ru_maxrss / 1024)  # Linux reports KiB


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
