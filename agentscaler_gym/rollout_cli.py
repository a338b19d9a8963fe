"""``agentscaler view`` and ``eval``: browse and score the trajectories a run wrote.

    agentscaler view FILE [-o FILE.html]
    agentscaler eval FILE [--json]

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

    p = sub.add_parser("eval", help="pass^k per env and overall from a trajectories JSONL (n trials per task)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)


def cmd_view(args: argparse.Namespace) -> int:
    from agentscaler_gym.trajectory import read_jsonl
    from agentscaler_gym.viewer import write_html

    out = Path(args.out or Path(args.file).with_suffix(".html"))
    write_html(read_jsonl(args.file), out, title=Path(args.file).name)
    print(out)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from agentscaler_gym.trajectory import TruncatedFileError, pass_hat_table, read_jsonl

    try:
        trajectories = read_jsonl(args.file)
    except TruncatedFileError as exc:  # never score a fragment
        print(f"agentscaler eval: {exc}", file=sys.stderr)
        return 1
    table = pass_hat_table(trajectories)
    if args.json:
        for env_id, row in table.items():
            print(json.dumps({"env": env_id, **{f"pass^{k}": v for k, v in row.items()}}))
        return 0
    most = max(len(row) for row in table.values())
    width = max(len(k) for k in table)
    print(f"{'env':<{width}}  " + "  ".join(f"{'pass^' + str(k):>7}" for k in range(1, most + 1)))
    for env_id, row in table.items():
        print(
            f"{env_id:<{width}}  "
            + "  ".join(f"{row[k]:>7.3f}" if k in row else f"{'':>7}" for k in range(1, most + 1))
        )
    return 0
