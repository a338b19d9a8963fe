"""SFT data generation: roll out a policy with a simulated user, filter, export.

    python -m train.generate_sft --envs AgentScaler/mock-v0 AgentScaler/retail-v0 \\
        --policy oracle --split train --samples 1 --out runs/sft-data
    agentscaler collect ...            # the same command

Writes ``sft.jsonl``, ``dataset/`` (``datasets.Dataset.save_to_disk``), ``trajectories.jsonl``
(every episode, kept or not) and the data card (``card.md``, ``card.json``) to ``--out``. Episodes
are streamed to ``trajectories.jsonl.partial`` as they end; ``--resume`` continues a killed run.
Filters: :mod:`train.filters`; row format: :mod:`train.export`.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agentscaler_gym.trajectory import Trajectory

from .export import data_card, sft_row, write_card, write_rows
from .filters import EXACT_MODES, filter_trajectories


def collect(
    env_ids: Sequence[str],
    policy: Any,
    *,
    split: str = "train",
    samples: int = 1,
    episodes: int | None = None,
    seed: int = 0,
    progress: bool = True,
    make_user: Callable[[], Any] | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    **env_kwargs: Any,
) -> list[Trajectory]:
    """Play every task of ``split`` ``samples`` times per env id (or ``episodes`` per env id,
    cycling over the tasks) through the rollout engine, which batches a model policy's turns.

    Episode ``i`` of an env id gets seed ``seed + i``, so a run is reproducible (with a
    deterministic policy and user). ``make_user()`` gives each env its simulated user; the
    default is the env's own (the scripted user). ``policy`` may be a spec (``"hf:PATH"``).
    ``out`` and ``resume`` are the rollout engine's: the JSONL file of every episode, streamed to
    a side file as they end, and whether to continue from that side file.
    """
    from tqdm import tqdm

    from agents import make_policy
    from agentscaler_gym.rollout import rollout

    policy = make_policy(policy) if isinstance(policy, str) else policy

    tasks = env_kwargs.get("tasks")
    total = sum(len(_domain(e, tasks).task_list(split)) * samples if episodes is None else episodes for e in env_ids)
    passed = 0
    with tqdm(total=total, desc="collect", unit="ep", disable=not progress) as bar:

        def advance(t: Trajectory) -> None:
            nonlocal passed
            passed += t.passed
            bar.update()
            bar.set_postfix(env=t.env_id.split("/")[-1], passed=passed)

        return list(
            rollout(
                env_ids,
                policy,
                split=split,
                episodes=episodes,
                trials=samples,
                seed=seed,
                user=make_user,
                on_episode=advance,
                out=out,
                resume=resume,
                **env_kwargs,
            )
        )


def gold_calls(t: Trajectory, tasks: int | None = None):
    """The gold calls of a trajectory's task (of the domain with ``tasks`` per split), found through the registry."""
    return _domain(t.env_id, tasks).task(t.task_id).gold_calls


@functools.cache
def _domain(env_id: str, tasks: int | None = None):
    from agentscaler_gym.registry import domain_of

    return domain_of(env_id, tasks)


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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    trajectories = collect(env_ids, policy, out=out / "trajectories.jsonl", **collect_kwargs)
    tasks = collect_kwargs.get("tasks")
    report = filter_trajectories(trajectories, exact=exact, gold_calls=lambda t: gold_calls(t, tasks))
    rows = [sft_row(t) for t in report.kept]
    if rows:
        write_rows(rows, out)
    recorded = {k: v for k, v in collect_kwargs.items() if k not in ("progress", "make_user", "resume")}
    card = data_card(report, rows, {"envs": list(env_ids), "exact": exact, **recorded, **(settings or {})})
    write_card(card, out)
    return card


# ---------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--envs",
        nargs="+",
        required=True,
        help="env ids to roll out, e.g. AgentScaler/mock-v0, or selections (glob, name, tag:TAG, @file)",
    )
    parser.add_argument(
        "--held-out", default=None, metavar="SELECTION", help="domains left out of the data (agentscaler_gym.splits)"
    )
    parser.add_argument(
        "--policy",
        default="oracle",
        help="a policy spec for agents.make_policy: oracle, random[:SEED], hf:PATH, vllm:NAME, openai:URL#MODEL",
    )
    parser.add_argument(
        "--user", default="scripted", help="scripted, or a policy spec that plays an LLM user (agents.user_llm.LLMUser)"
    )
    parser.add_argument("--split", default="train", help="task split to play (default: train)")
    parser.add_argument(
        "--tasks",
        type=int,
        default=None,
        metavar="N",
        help="N distinct tasks per split (default: the domain's own list)",
    )
    parser.add_argument("--samples", type=int, default=1, help="episodes per task (for sampling policies)")
    parser.add_argument(
        "--episodes", type=int, default=None, help="episodes per env id, cycling over the tasks (instead of --samples)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--exact", choices=EXACT_MODES, default="read_only", help="where the call sequence must equal the gold one"
    )
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--resume", action="store_true", help="continue a killed run from the episodes it streamed to --out"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from agents import make_policy
    from agentscaler_gym.splits import DomainSplit, expand_env_ids

    env_ids = expand_env_ids(args.envs)
    if args.held_out:
        env_ids = DomainSplit.parse(args.held_out).training_ids(env_ids)
    if not env_ids:
        raise SystemExit("no env left to play: every selected env is held out")
    make_user = None
    if args.user != "scripted":
        from agents.user_llm import LLMUser

        user_policy = make_policy(args.user)
        make_user = lambda: LLMUser(user_policy)  # noqa: E731
    card = generate_sft(
        env_ids,
        make_policy(args.policy),
        args.out,
        exact=args.exact,
        settings={"policy": args.policy, "user": args.user, "held_out": args.held_out},
        split=args.split,
        samples=args.samples,
        episodes=args.episodes,
        seed=args.seed,
        progress=not args.quiet,
        make_user=make_user,
        resume=args.resume,
        **({"tasks": args.tasks} if args.tasks is not None else {}),
    )
    totals = card["totals"]
    print(
        f"kept {totals['kept']} of {totals['episodes']} episodes "
        f"(dropped: {', '.join(f'{k} {v}' for k, v in totals['dropped'].items())}) -> {args.out}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(
        argparse.ArgumentParser(prog="python -m train.generate_sft", description=__doc__.split("\n")[0])
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
