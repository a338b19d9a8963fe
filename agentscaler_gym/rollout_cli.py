"""``agentscaler rollout``, ``view`` and ``eval``: play episodes with any policy, browse them, score them.

    agentscaler rollout --env ID [--env ID2] --policy SPEC [--episodes N | --trials K] --out FILE [--ray ADDR]
    agentscaler view FILE [-o FILE.html]
    agentscaler eval FILE [FILE_B] [--json] [--report PAGE.html] [--held-out SELECTION]

``SPEC`` is a :func:`agents.make_policy` spec: ``oracle``, ``noop``, ``random``, ``hf:PATH``,
``vllm:NAME``, ``openai:URL#MODEL``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rollout", help="play episodes with a policy and save the trajectories as JSONL")
    p.add_argument(
        "--env",
        action="append",
        required=True,
        help="env id, or a selection: glob, name, tag:TAG, @file (repeat or comma-separate for several)",
    )
    p.add_argument("--held-out", default=None, metavar="SELECTION", help="leave these domains out (a selection)")
    p.add_argument(
        "--policy", default="oracle", help="oracle | noop | random[:SEED] | hf:PATH | vllm:NAME | openai:URL#MODEL"
    )
    p.add_argument("--split", default="test")
    p.add_argument("--episodes", type=int, default=None, help="episodes per env (default: every task --trials times)")
    p.add_argument("--trials", type=int, default=1, help="repeats of every task, for pass^k")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--concurrency", type=int, default=64, help="live episodes at most (the batch size of a local model)"
    )
    p.add_argument("--max-turns", type=int, default=None, help="override the env's turn limit")
    p.add_argument("--temperature", type=float, default=None, help="model policies: sampling temperature (0: greedy)")
    p.add_argument("--max-new-tokens", type=int, default=None, help="model policies: tokens per turn")
    p.add_argument(
        "--ray", default=None, metavar="ADDR", help="spread episodes over Ray workers: 'local' or a cluster address"
    )
    p.add_argument("--out", required=True, help="JSONL file to write")
    p.add_argument("--dataset", default=None, metavar="DIR", help="also save a datasets.Dataset to DIR")
    p.add_argument("--json", action="store_true", help="print the summary as JSON lines")
    p.set_defaults(func=cmd_rollout)

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


def cmd_rollout(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import agentscaler_gym  # noqa: F401 - registers the ids
    from agentscaler_gym.rollout import rollout, summarize, write_jsonl
    from agentscaler_gym.splits import DomainSplit, expand_env_ids

    env_ids = expand_env_ids(args.env)
    if args.held_out:
        env_ids = DomainSplit.parse(args.held_out).training_ids(env_ids)
    if not env_ids:
        raise SystemExit("no env left to play: every selected env is held out")
    policy = _policy(args)
    env_kwargs = {"max_turns": args.max_turns} if args.max_turns else {}
    bar = tqdm(desc="episodes", unit="ep", disable=args.json or not sys.stderr.isatty())
    start = time.perf_counter()
    result = rollout(
        env_ids,
        policy,
        split=args.split,
        episodes=args.episodes,
        trials=args.trials,
        seed=args.seed,
        concurrency=args.concurrency,
        ray=args.ray,
        on_episode=lambda t: bar.update(),
        **env_kwargs,
    )
    wall = time.perf_counter() - start
    bar.close()
    write_jsonl(result, args.out)
    if args.dataset:
        result.to_dataset().save_to_disk(args.dataset)
    summary = summarize(result)
    overall = list(summary.values())[-1]  # "all", or the only env
    overall["episodes_per_s"] = len(result) / wall if wall else 0.0
    if args.json:
        for env_id, row in summary.items():
            print(json.dumps({"env": env_id, **row}))
    else:
        _print_table(summary)
        outside = 1 - result.stats.get("policy_s", 0.0) / wall if wall else 0.0
        print(
            f"{len(result)} episodes in {wall:.2f}s ({len(result) / wall:.1f}/s; {outside:.0%} of the time outside the policy) -> {args.out}"
        )
    return 0


def _policy(args: argparse.Namespace):
    from agents import make_policy

    spec, options = args.policy, {}
    kind = spec.partition(":")[0]
    if kind in ("hf", "vllm"):
        options.update(
            {
                k: v
                for k, v in {"temperature": args.temperature, "max_new_tokens": args.max_new_tokens}.items()
                if v is not None
            }
        )
        options["seed"] = args.seed
    elif kind == "openai":
        options.update(
            {
                k: v
                for k, v in {"temperature": args.temperature, "max_tokens": args.max_new_tokens}.items()
                if v is not None
            }
        )
        options["max_concurrency"] = args.concurrency
    if args.ray is not None and kind in ("hf", "vllm"):
        return spec  # each Ray worker loads the model itself
    return make_policy(spec, **options)


def _print_table(summary: dict[str, dict]) -> None:
    width = max(len(k) for k in summary)
    print(f"{'env':<{width}}  {'episodes':>8}  {'pass':>6}  {'turns':>6}  {'tool err':>8}  {'errors':>6}  {'ep/s':>7}")
    for env_id, s in summary.items():
        print(
            f"{env_id:<{width}}  {s['episodes']:>8}  {s['pass_rate']:>6.1%}  {s['mean_turns']:>6.2f}  "
            f"{s['tool_error_rate']:>8.1%}  {s['errors']:>6}  {_rate(s):>7}"
        )


def _rate(row: dict) -> str:
    return f"{row['episodes_per_s']:.1f}" if "episodes_per_s" in row else ""


def cmd_view(args: argparse.Namespace) -> int:
    from agentscaler_gym.rollout import read_jsonl
    from agentscaler_gym.viewer import write_html

    out = Path(args.out or Path(args.file).with_suffix(".html"))
    write_html(read_jsonl(args.file), out, title=Path(args.file).name)
    print(out)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from agentscaler_gym.evaluation import DomainFacts, compare, episodes_of, evaluate, format_text
    from agentscaler_gym.rollout import read_jsonl
    from agentscaler_gym.splits import DomainSplit, registered_ids

    files = [args.file] + ([args.other] if args.other else [])
    runs = [read_jsonl(f) for f in files]
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
