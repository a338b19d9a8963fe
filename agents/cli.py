"""``agentscaler run`` (also ``agentscaler rollout``): play episodes with any policy, print one summary.

    agentscaler run --env ID [--env ID2] --policy SPEC [--episodes N | --trials K] [--out FILE [--resume]]

``SPEC`` is a :func:`agents.make_policy` spec: ``oracle``, ``noop``, ``random[:SEED]``,
``hf:PATH``, ``vllm:NAME``, ``openai:URL#MODEL``. With ``--out``, every episode is appended to
``FILE.partial`` as it ends and ``FILE`` is replaced in one rename when the run is done;
``--resume`` continues a killed run from ``FILE.partial``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", aliases=["rollout"], help="play episodes with a policy, print a summary, save the trajectories"
    )
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
    p.add_argument(
        "--tasks",
        type=int,
        default=None,
        metavar="N",
        help="N distinct tasks per split (default: the domain's own list)",
    )
    p.add_argument("--temperature", type=float, default=None, help="model policies: sampling temperature (0: greedy)")
    p.add_argument("--max-new-tokens", type=int, default=None, help="model policies: tokens per turn")
    p.add_argument(
        "--ray", default=None, metavar="ADDR", help="spread episodes over Ray workers: 'local' or a cluster address"
    )
    p.add_argument("--out", default=None, help="JSONL file to write (episodes stream to FILE.partial meanwhile)")
    p.add_argument("--resume", action="store_true", help="continue a killed run from --out's .partial side file")
    p.add_argument("--dataset", default=None, metavar="DIR", help="also save a datasets.Dataset to DIR")
    p.add_argument("--json", action="store_true", help="print the summary as JSON lines, one per env")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import agentscaler_gym  # noqa: F401 - registers the ids
    from agentscaler_gym.rollout import rollout
    from agentscaler_gym.splits import DomainSplit, expand_env_ids
    from agentscaler_gym.trajectory import summarize

    if args.resume and not args.out:
        print("agentscaler run: --resume needs --out (the run to continue)", file=sys.stderr)
        return 2
    env_ids = expand_env_ids(args.env)
    if args.held_out:
        env_ids = DomainSplit.parse(args.held_out).training_ids(env_ids)
    if not env_ids:
        print("agentscaler run: no env left to play: every selected env is held out", file=sys.stderr)
        return 2
    env_kwargs = {"max_turns": args.max_turns} if args.max_turns else {}
    if args.tasks is not None:
        env_kwargs["tasks"] = args.tasks
    bar = tqdm(desc="episodes", unit="ep", disable=args.json or not sys.stderr.isatty())
    start = time.perf_counter()
    result = rollout(
        env_ids,
        _policy(args),
        split=args.split,
        episodes=args.episodes,
        trials=args.trials,
        seed=args.seed,
        concurrency=args.concurrency,
        ray=args.ray,
        on_episode=lambda t: bar.update(),
        out=args.out,
        resume=args.resume,
        **env_kwargs,
    )
    wall = time.perf_counter() - start
    bar.close()
    if args.dataset:
        result.to_dataset().save_to_disk(args.dataset)
    summary = summarize(result)
    overall = list(summary.values())[-1]  # "all", or the only env
    overall["episodes_per_s"] = len(result) / wall if wall else 0.0
    if args.json:
        for env_id, row in summary.items():
            print(json.dumps({"env": env_id, **row}))
        return 0
    _print_table(summary)
    outside = 1 - result.stats.get("policy_s", 0.0) / wall if wall else 0.0
    resumed = f", {result.stats['resumed']} resumed" if result.stats.get("resumed") else ""
    saved = f" -> {args.out}" if args.out else ""
    print(
        f"{len(result)} episodes{resumed} in {wall:.2f}s ({len(result) / wall:.1f}/s; "
        f"{outside:.0%} of the time outside the policy){saved}"
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
        return functools.partial(make_policy, spec, **options)  # each Ray worker loads the model itself
    return make_policy(spec, **options)


def _print_table(summary: dict[str, dict]) -> None:
    width = max(len(k) for k in summary)
    print(f"{'env':<{width}}  {'episodes':>8}  {'pass':>6}  {'turns':>6}  {'tool err':>8}  {'errors':>6}  {'ep/s':>7}")
    for env_id, s in summary.items():
        rate = f"{s['episodes_per_s']:.1f}" if "episodes_per_s" in s else ""
        print(
            f"{env_id:<{width}}  {s['episodes']:>8}  {s['pass_rate']:>6.1%}  {s['mean_turns']:>6.2f}  "
            f"{s['tool_error_rate']:>8.1%}  {s['errors']:>6}  {rate:>7}"
        )
