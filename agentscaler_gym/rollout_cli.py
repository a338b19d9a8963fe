"""``agentscaler view`` and ``eval``: browse and score the trajectories a run wrote.

    agentscaler view FILE [-o FILE.html]
    agentscaler eval FILE [FILE_B] [--json] [--report PAGE.html] [--held-out SELECTION]

Episodes are played by ``agentscaler run`` (:mod:`agents.cli`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("view", help="write one static HTML page to browse a trajectories JSONL")
    p.add_argument("file")
    p.add_argument("-o", "--out", default=None, help="default: FILE with .html")
    p.set_defaults(func=cmd_view)

    p = sub.add_parser(
        "eval",
        help="evaluate a trajectories JSONL: pass^k, pass^1 by gold calls and family, failures; "
        "with a second file, the paired difference",
    )
    p.add_argument("file")
    p.add_argument("other", nargs="?", default=None, help="a second run (B) to compare with the first (A)")
    p.add_argument("--json", action="store_true", help="print one JSON object (layout: docs/agents.md)")
    p.add_argument("--report", default=None, metavar="PAGE", help="also write a self-contained HTML report")
    p.add_argument("--held-out", default=None, metavar="SELECTION", help="report these domains as the held-out group")
    p.add_argument("--seed", type=int, default=0, help="seed of the paired bootstrap")
    p.add_argument("--resamples", type=int, default=10_000, help="bootstrap draws")
    p.set_defaults(func=cmd_eval)


def cmd_view(args: argparse.Namespace) -> int:
    from agentscaler_gym.trajectory import read_jsonl
    from agentscaler_gym.viewer import write_html

    out = Path(args.out or Path(args.file).with_suffix(".html"))
    write_html(read_jsonl(args.file), out, title=Path(args.file).name)
    print(out)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from agentscaler_gym.evaluation import DomainFacts, compare, episodes_of, evaluate, format_text
    from agentscaler_gym.splits import DomainSplit, registered_ids
    from agentscaler_gym.trajectory import TruncatedFileError, read_jsonl

    files = [args.file] + ([args.other] if args.other else [])
    try:
        runs = [read_jsonl(f) for f in files]
    except TruncatedFileError as exc:  # never score a fragment
        print(f"agentscaler eval: {exc}", file=sys.stderr)
        return 1
    split = None
    if args.held_out:
        ids = registered_ids() + sorted({t.env_id for run in runs for t in run} - set(registered_ids()))
        split = DomainSplit.parse(args.held_out, ids)
    facts = DomainFacts()
    results = [{"file": f, **evaluate(run, split, facts)} for f, run in zip(files, runs)]
    comparison = None
    if args.other:
        a, b = (episodes_of(run, facts) for run in runs)
        comparison = compare(a, b, split=split, facts=facts, seed=args.seed, resamples=args.resamples)
    if args.report:
        from agentscaler_gym.evaluation_report import write_report

        write_report(results, args.report, runs=runs, comparison=comparison)
    if args.json:
        out = results[0] if comparison is None else {"runs": results, "comparison": comparison}
        print(json.dumps(out))
        return 0
    if comparison is None:
        print(format_text(results[0]))
    else:
        for label, result in zip("AB", results):
            print(f"== run {label}: {result['file']}\n{format_text(result)}\n")
        from agentscaler_gym.evaluation import format_comparison

        print(format_comparison(comparison))
    if args.report:
        print(f"report -> {args.report}")
    return 0
