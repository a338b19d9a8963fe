"""SFT data generation: roll out a policy with a simulated user, filter, export.

    python -m train.generate_sft --envs AgentScaler/mock-v0 AgentScaler/retail-v0 \\
        --policy oracle --split train --samples 1 --out runs/sft-data
    agentscaler collect ...            # the same command

Writes ``sft.jsonl``, ``dataset/`` (``datasets.Dataset.save_to_disk``), ``trajectories.jsonl``
(every episode, kept or not) and the data card (``card.md``, ``card.json``) to ``--out``.
Filters: :mod:`train.filters`; row format: :mod:`train.export`.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Any, Sequence

from agentscaler_gym.rollout import Trajectory, run_episode, write_jsonl

from .export import data_card, sft_row, write_card, write_rows
from .filters import EXACT_MODES, filter_trajectories


def collect(
    env_ids: Sequence[str],
    policy: Any,
    *,
    split: str = "train",
    samples: int = 1,
    limit: int | None = None,
    seed: int = 0,
    progress: bool = True,
    **env_kwargs: Any,
) -> list[Trajectory]:
    """Play every task of ``split`` (at most ``limit`` per env id) ``samples`` times per env id.

    Episode ``j`` of an env id gets seed ``seed + j``, so a run is reproducible.
    """
    import gymnasium as gym
    from tqdm import tqdm

    import agentscaler_gym  # noqa: F401 - registers the ids

    envs = {env_id: gym.make(env_id, split=split, disable_env_checker=True, **env_kwargs) for env_id in env_ids}
    plan = [(env_id, task.id) for env_id, env in envs.items() for _ in range(samples) for task in env.unwrapped.tasks[:limit]]
    trajectories, counters = [], {}
    with tqdm(total=len(plan), desc="collect", unit="ep", disable=not progress) as bar:
        for env_id, task_id in plan:
            j = counters[env_id] = counters.get(env_id, -1) + 1
            trajectory = run_episode(envs[env_id], policy, seed=seed + j, task_id=task_id, env_id=env_id)
            trajectories.append(trajectory)
            bar.update()
            bar.set_postfix(env=env_id.split("/")[-1], passed=sum(t.reward == 1.0 for t in trajectories))
    for env in envs.values():
        env.close()
    return trajectories


def gold_calls(t: Trajectory):
    """The gold calls of a trajectory's task, found through the registry."""
    return _domain(t.env_id).task(t.task_id).gold_calls


@functools.lru_cache(maxsize=None)
def _domain(env_id: str):
    import gymnasium as gym

    from agentscaler_gym.registry import load_domain

    return load_domain(gym.spec(env_id).kwargs["domain"])


def generate_sft(
    env_ids: Sequence[str],
    policy: Any,
    out_dir: str | Path,
    *,
    exact: str = "read_only",
    settings: dict | None = None,
    **collect_kwargs: Any,
) -> dict:
    """Collect, filter and export; return the data card."""
    trajectories = collect(env_ids, policy, **collect_kwargs)
    report = filter_trajectories(trajectories, exact=exact, gold_calls=gold_calls)
    rows = [sft_row(t) for t in report.kept]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(trajectories, out / "trajectories.jsonl")
    if rows:
        write_rows(rows, out)
    card = data_card(report, rows, {"envs": list(env_ids), "exact": exact, **{k: v for k, v in collect_kwargs.items() if k != "progress"}, **(settings or {})})
    write_card(card, out)
    return card


# ---------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--envs", nargs="+", required=True, help="env ids to roll out, e.g. AgentScaler/mock-v0")
    parser.add_argument("--policy", default="oracle", help="oracle | random | noop | a model spec the rollout engine knows (e.g. hf:PATH)")
    parser.add_argument("--split", default="train", help="task split to play (default: train)")
    parser.add_argument("--samples", type=int, default=1, help="episodes per task (for sampling policies)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many tasks per env id")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exact", choices=EXACT_MODES, default="read_only", help="where the call sequence must equal the gold one")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    from .policies import build_policy

    card = generate_sft(
        args.envs, build_policy(args.policy, seed=args.seed), args.out,
        exact=args.exact, settings={"policy": args.policy},
        split=args.split, samples=args.samples, limit=args.limit, seed=args.seed, progress=not args.quiet,
    )
    totals = card["totals"]
    print(f"kept {totals['kept']} of {totals['episodes']} episodes "
          f"(dropped: {', '.join(f'{k} {v}' for k, v in totals['dropped'].items())}) -> {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="python -m train.generate_sft", description=__doc__.split("\n")[0]))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
