"""Larger synthesized worlds: synthesis, load and reset time as the seed rows per table grow.

    python benchmarks/synth_rows.py [--rows 16 256 2048] [--max-domains 6] [--workers 1]

For each ``--rows`` value, synthesizes the first ``--max-domains`` communities of the built-in
corpus into a temporary folder and prints one JSON line: synthesis wall seconds (values, tasks and
validation included), the size of the folders, and per domain the median of three loads of the
folder (checks and task replay included), of ``gym.make`` and of ``reset``. A first line gives the
cost a process pays once: ``import agentscaler_gym`` and the first ``gym.make`` of a synthesized id,
each in a fresh interpreter, and whether either imported mimesis (the runtime must not).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ONCE = """
import sys, time
t = time.perf_counter()
import agentscaler_gym, gymnasium as gym
imported = time.perf_counter() - t
t = time.perf_counter()
env = gym.make("AgentScaler/banking-v0")
env.reset(seed=0)
made = time.perf_counter() - t
print(imported, made, "mimesis" in sys.modules)
"""


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, nargs="+", default=[16, 256, 2048])
    p.add_argument("--max-domains", type=int, default=6)
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args(argv)
    out = subprocess.run([sys.executable, "-c", ONCE], capture_output=True, text=True, check=True).stdout.split()
    print(json.dumps({"import_s": round(float(out[0]), 3), "first_make_s": round(float(out[1]), 3), "mimesis": out[2]}))

    import gymnasium as gym

    from agentscaler_gym.registry import register_domains
    from agentscaler_gym.synth.corpus import load_corpus
    from agentscaler_gym.synth.folder import load_domain_folder
    from agentscaler_gym.synth.pipeline import SynthConfig, synthesize

    corpus = load_corpus("builtin")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            config = SynthConfig(rows=rows, workers=args.workers, picture=False, max_domains=args.max_domains)
            start = time.perf_counter()
            report = synthesize(corpus, tmp, config)
            synthesis = time.perf_counter() - start
            folders = sorted(p.parent for p in Path(tmp).glob("*/domain.json"))
            load, make, reset = [], [], []
            for folder in folders:
                load.append(_median(lambda f=folder: load_domain_folder(f)))
                (env_id,) = register_domains(folder, replace=True)
                make.append(_median(lambda i=env_id: gym.make(i)))
                env = gym.make(env_id)
                reset.append(_median(lambda e=env: e.reset(seed=0)))
            line = {
                "rows": rows,
                "domains": report.summary["domains"]["validated"],
                "synthesis_s": round(synthesis, 2),
                "domain_json_kb": round(sum((f / "domain.json").stat().st_size for f in folders) / 1024 / len(folders)),
                "load_s": _ms(load),
                "make_s": _ms(make),
                "reset_s": _ms(reset),
            }
            print(json.dumps(line), flush=True)


def _median(run, times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def _ms(values: list[float]) -> dict:
    """Median and worst over the domains, in seconds."""
    return {"median": round(statistics.median(values), 4), "max": round(max(values), 4)}


if __name__ == "__main__":
    main()
