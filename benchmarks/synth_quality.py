"""Training-material measures of synthesized domains, one JSON line per corpus.

    python benchmarks/synth_quality.py                      # the built-in corpus
    python benchmarks/synth_quality.py --corpus builtin bfcl --workers 2
    python benchmarks/synth_quality.py --folder agentscaler_gym/synth/builtin
    python benchmarks/synth_quality.py --corpus bfcl_multi_turn   # BFCL's stateful APIs alone

Synthesizes each corpus into a temporary folder (or reads ``--folder``) and prints
:func:`agentscaler_gym.synth.quality.measure_folder` with the synthesis counts: ``functions`` is
every function the corpus holds (kept or dropped by the loader), ``tools`` how many of them are
tools of validated domains.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentscaler_gym.synth.quality import measure_folder  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", nargs="+", default=["builtin"])
    p.add_argument("--folder", default=None, help="measure an existing folder of synthesized domains instead")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--tasks", type=int, default=24, help="tasks wanted per domain")
    p.add_argument("--rows", type=int, default=None, help="seed rows per table")
    args = p.parse_args(argv)
    if args.folder:
        print(json.dumps({"folder": args.folder, **measure_folder(args.folder)}), flush=True)
        return
    from agentscaler_gym.synth.corpus import load_corpus
    from agentscaler_gym.synth.pipeline import SynthConfig, synthesize
    from agentscaler_gym.synth.taskgen import TaskSettings

    for name in args.corpus:
        config = SynthConfig(workers=args.workers, picture=False, tasks=TaskSettings(count=args.tasks))
        if args.rows:
            config.rows = args.rows
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            corpus = load_corpus(name)
            report = synthesize(corpus, out, config)
            seconds = round(time.perf_counter() - start, 1)
            line = {
                "corpus": name,
                "seconds": seconds,
                "functions": len(corpus.apis) + sum(corpus.dropped.values()),
                "validated": report.summary["domains"]["validated"],
            }
            print(json.dumps({**line, **measure_folder(out)}), flush=True)


if __name__ == "__main__":
    main()
