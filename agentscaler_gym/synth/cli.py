"""``agentscaler synth``: synthesize domains from an API corpus into a folder.

    agentscaler synth --corpus builtin --out domains/ [--seed 0] [--max-domains N]
                      [--walk-length 2-6] [--workers 2] [--tasks 24] [--rows 16] [--paraphrase MODULE:FUNCTION]
                      [--no-picture] [--emit-code] [--json]

Writes one folder per validated domain, ``report.json``, ``report.md`` and ``graph.png`` into a
folder beside ``--out`` and swaps it in once complete; a corpus that cannot be read or holds no
usable API exits with status 1 and leaves ``--out`` as it was. Register the result with
``agentscaler_gym.register_domains("domains/")``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "synth",
        help="synthesize tool-use domains from an API corpus",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--corpus",
        required=True,
        help="builtin | bfcl[:PATH] | bfcl_multi_turn[:PATH] | openapi[:PATH] | toolbench:PATH | PATH.json/.jsonl",
    )
    p.add_argument(
        "--out", required=True, help="folder to write the domains into (replaced whole once the run completes)"
    )
    p.add_argument("--seed", type=int, default=0, help="seeds communities, data and task walks (default 0)")
    p.add_argument("--max-domains", type=int, default=None, help="stop after this many validated domains")
    p.add_argument(
        "--walk-length", type=walk_length, default=(2, 6), metavar="A-B", help="gold calls per task (default 2-6)"
    )
    p.add_argument("--workers", type=int, default=1, help="processes for the per-domain stages (default 1)")
    p.add_argument("--tasks", type=int, default=24, help="tasks wanted per domain (default 24)")
    p.add_argument("--rows", type=_positive, default=16, help="seed rows per table (default 16)")
    p.add_argument(
        "--paraphrase",
        default=None,
        metavar="MODULE:FUNCTION",
        help="rewrite each templated user request with this function (str -> str), e.g. an LLM call",
    )
    p.add_argument("--no-picture", action="store_true", help="skip graph.png")
    p.add_argument(
        "--emit-code", action="store_true", help="also write each domain as readable code (view.py, never executed)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_synth)


def walk_length(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        lo, hi = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected A-B such as 1-3, got {text!r}") from None
    if not 1 <= lo <= hi:
        raise argparse.ArgumentTypeError(f"need 1 <= A <= B, got {text!r}")
    return lo, hi


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def cmd_synth(args: argparse.Namespace) -> int:
    from .corpus import load_corpus
    from .pipeline import SynthConfig, synthesize
    from .taskgen import TaskSettings

    start = time.perf_counter()
    corpus = load_corpus(args.corpus)
    loaded = time.perf_counter() - start
    if not corpus.apis:
        problem = next((r for r in sorted(corpus.dropped) if r.startswith("unreadable source")), None)
        reasons = ", ".join(f"{r}: {n}" for r, n in sorted(corpus.dropped.items())) or "no API in it"
        what = (
            f"cannot read corpus {args.corpus!r} ({problem})"
            if problem
            else f"corpus {args.corpus!r} has no usable API ({reasons})"
        )
        print(f"agentscaler synth: {what}; {args.out} was left as it was", file=sys.stderr)
        return 1
    config = SynthConfig(
        seed=args.seed,
        max_domains=args.max_domains,
        workers=args.workers,
        rows=args.rows,
        picture=not args.no_picture,
        emit_code=args.emit_code,
        tasks=TaskSettings(count=args.tasks, walk_length=args.walk_length, paraphrase=args.paraphrase),
    )
    report = synthesize(corpus, args.out, config, progress=_progress(args.json))
    summary = report.summary
    if args.json:
        print(json.dumps({"summary": summary, "timings": {"corpus": loaded, **report.timings}}))
        return 0
    print(
        f"corpus      {summary['corpus']['apis']} APIs kept, {sum(summary['corpus']['dropped'].values())} dropped ({loaded:.1f} s)"
    )
    print(
        f"tool graph  {summary['graph']['tools']} tools, {summary['graph']['edges']} edges, "
        f"{summary['graph']['communities']} communities ({report.timings['graph'] + report.timings['communities']:.1f} s)"
    )
    print(
        f"domains     {summary['domains']['validated']} validated of {summary['domains']['processed']} ({report.timings['domains']:.1f} s)"
    )
    print(
        f"tasks       {summary['tasks']['total']} ({summary['tasks']['train']} train, {summary['tasks']['test']} test)"
    )
    print(f"written to  {args.out} (report.md, report.json{'' if args.no_picture else ', graph.png'})")
    return 0


def _progress(quiet: bool):
    if quiet:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return lambda stage, total: tqdm(total=total, desc=stage, unit="domain", file=sys.stderr)
