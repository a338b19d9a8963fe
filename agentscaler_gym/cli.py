"""The ``agentscaler`` command.

    agentscaler list                                   env ids, task counts, tools
    agentscaler run --env ID --policy oracle|random|noop [--split test] [--episodes N] [--json]
    agentscaler show ID --task T                       a task and its gold calls

Other subcommands (``synth``, ``rollout``, ``view``, ``eval``, ``collect``) live beside the code
they drive; each module in ``EXTENSIONS`` adds its own with ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time

EXTENSIONS = ("agentscaler_gym.synth.cli", "agentscaler_gym.rollout_cli", "train.cli")
LIGHT_POLICIES = ("oracle", "random", "noop")


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return args.func(args) or 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agentscaler", description="Verifiable tool-use environments for LLM agents.")
    sub = parser.add_subparsers(metavar="COMMAND")

    p = sub.add_parser("list", help="list registered env ids with their task counts")
    p.add_argument("--json", action="store_true", help="one JSON object per env")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="run a light policy over a split and report rewards")
    p.add_argument("--env", required=True, help="env id, e.g. AgentScaler/retail-v0")
    p.add_argument("--policy", default="oracle", choices=LIGHT_POLICIES)
    p.add_argument("--split", default="test")
    p.add_argument("--episodes", type=int, default=None, help="default: every task of the split once")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("show", help="show a task and its gold calls")
    p.add_argument("env")
    p.add_argument("--task", required=True)
    p.set_defaults(func=cmd_show)

    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):  # the extension itself is absent
                continue
            raise
        module.register(sub)
    return parser


def cmd_list(args: argparse.Namespace) -> int:
    from agentscaler_gym.registry import domain_of, entries

    rows = []
    for env_id in entries():
        domain = domain_of(env_id)
        splits = {name: len(tasks) for name, tasks in domain.splits().items()}
        rows.append({"id": env_id, "tools": len(domain.tools), "user_tools": len(domain.user_tools), "tasks": splits})
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            splits = " ".join(f"{k}={v}" for k, v in r["tasks"].items())
            user = f" +{r['user_tools']} user tools" if r["user_tools"] else ""
            print(f"{r['id']:<{width}}  {r['tools']:>3} tools{user}  {splits}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import gymnasium as gym
    from tqdm import tqdm

    import agentscaler_gym  # noqa: F401 - registers the ids
    from agents import NoopPolicy, OraclePolicy, RandomPolicy
    from agentscaler_gym.rollout import run_episode

    policy = {"oracle": OraclePolicy, "noop": NoopPolicy, "random": lambda: RandomPolicy(args.seed)}[args.policy]()
    env = gym.make(args.env, split=args.split, disable_env_checker=True)
    tasks = env.unwrapped.tasks
    count = len(tasks) if args.episodes is None else args.episodes
    rewards, durations = [], []
    start = time.perf_counter()
    for i in tqdm(range(count), desc=args.env, unit="ep", disable=args.json or not sys.stderr.isatty()):
        t0 = time.perf_counter()
        trajectory = run_episode(env, policy, seed=args.seed + i, task_id=tasks[i % len(tasks)].id, env_id=args.env)
        durations.append(time.perf_counter() - t0)
        rewards.append(trajectory.reward)
    wall = time.perf_counter() - start
    summary = {
        "env": args.env,
        "policy": args.policy,
        "split": args.split,
        "episodes": count,
        "pass_rate": sum(r == 1.0 for r in rewards) / count,
        "mean_reward": sum(rewards) / count,
        "median_episode_ms": statistics.median(durations) * 1e3,
        "episodes_per_s": count / wall,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key:>18}: {value:.4g}" if isinstance(value, float) else f"{key:>18}: {value}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from agentscaler_gym.registry import domain_of

    domain = domain_of(args.env)
    task = domain.task(args.task)
    print(json.dumps(task.to_dict(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
