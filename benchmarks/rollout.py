"""Rollout engine throughput and memory, beside a plain loop measured in the same run.

    python benchmarks/rollout.py [--env AgentScaler/retail-v0] [--episodes N] [--concurrency 1 64 1024] [--repeats 3] [--no-tiny]

One JSON object per line:

- ``oracle``: oracle episodes/s of ``rollout(..., concurrency=c)`` pinned to one core, with the
  peak RSS of a fresh process; the reference is the same episodes played one after another with
  ``run_episode`` through ``gym.make``'s wrappers (also one core, fresh process). Medians over
  ``--repeats`` runs. Each run plays ``max(2048, 8 * c)`` episodes unless ``--episodes`` says
  otherwise, so every env slot plays several episodes, as in training, where envs live for the
  whole run; the time to build the ``c`` envs is inside the figure and also reported on its own
  (``build_ms_per_env``).
- ``tiny_model``: the tool-SFT tiny model through the transformers policy on the mock env: the
  share of wall time spent outside the policy (env, user, engine), and episodes/s with all pending
  turns batched beside one generate call per turn (``concurrency=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default=None, help="default: AgentScaler/retail-v0 if registered, else the mock env")
    parser.add_argument("--episodes", type=int, default=None, help="default: max(2048, 8 * concurrency)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64, 1024])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-tiny", action="store_true", help="skip the tiny-model measurement")
    parser.add_argument("--tiny-episodes", type=int, default=16)
    parser.add_argument("--one", choices=["engine", "reference", "build"], help=argparse.SUPPRESS)
    parser.add_argument("--c", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    env_id = args.env or _default_env()
    if args.one:
        print(json.dumps(_measure_once(args.one, env_id, args.episodes, args.c)))
        return
    for c in args.concurrency:
        episodes = args.episodes or max(2048, 8 * c)
        ours = [_in_fresh_process("engine", env_id, episodes, c) for _ in range(args.repeats)]
        ref = [_in_fresh_process("reference", env_id, episodes, 1) for _ in range(args.repeats)]
        build = [_in_fresh_process("build", env_id, 0, c) for _ in range(args.repeats)]
        eps, ref_eps = (
            statistics.median(r["episodes_per_s"] for r in ours),
            statistics.median(r["episodes_per_s"] for r in ref),
        )
        print(
            json.dumps(
                {
                    "bench": "oracle",
                    "env": env_id,
                    "episodes": episodes,
                    "concurrency": c,
                    "episodes_per_s": round(eps, 1),
                    "rss_mb": round(statistics.median(r["rss_mb"] for r in ours), 1),
                    "build_ms_per_env": round(statistics.median(r["build_ms_per_env"] for r in build), 3),
                    "pass_rate": ours[0]["pass_rate"],
                    "reference": "sequential run_episode via gym.make",
                    "reference_episodes_per_s": round(ref_eps, 1),
                    "reference_rss_mb": round(statistics.median(r["rss_mb"] for r in ref), 1),
                    "ratio": round(eps / ref_eps, 2),
                }
            ),
            flush=True,
        )
    if not args.no_tiny:
        print(json.dumps(_tiny(args.tiny_episodes)), flush=True)


def _default_env() -> str:
    import gymnasium as gym

    import agentscaler_gym  # noqa: F401

    return "AgentScaler/retail-v0" if "AgentScaler/retail-v0" in gym.registry else "AgentScaler/mock-v0"


def _in_fresh_process(kind: str, env_id: str, episodes: int, c: int) -> dict:
    cmd = [sys.executable, __file__, "--one", kind, "--env", env_id, "--episodes", str(episodes), "--c", str(c)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _measure_once(kind: str, env_id: str, episodes: int, c: int) -> dict:
    import resource

    import gymnasium as gym

    import agentscaler_gym  # noqa: F401
    from agents import OraclePolicy
    from agentscaler_gym.rollout import rollout, run_episode

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    rollout(env_id, OraclePolicy(), episodes=8)  # build the domain (seed DB, tasks, gold runs) first
    if kind == "build":
        start = time.perf_counter()
        envs = [gym.make(env_id, disable_env_checker=True).unwrapped for _ in range(c)]
        return {"build_ms_per_env": (time.perf_counter() - start) / len(envs) * 1000}
    start = time.perf_counter()
    if kind == "engine":
        trajectories = rollout(env_id, OraclePolicy(), episodes=episodes, concurrency=c)
    else:
        env, policy = gym.make(env_id), OraclePolicy()
        tasks = env.unwrapped.tasks
        trajectories = [
            run_episode(env, policy, seed=i, task_id=tasks[i % len(tasks)].id, env_id=env_id) for i in range(episodes)
        ]
    wall = time.perf_counter() - start
    return {
        "episodes_per_s": episodes / wall,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pass_rate": sum(t.passed for t in trajectories) / len(trajectories),
    }


def _tiny(episodes: int) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import agentscaler_gym  # noqa: F401
    from agents.hf import TransformersPolicy
    from agents.tiny import cached_tiny_model
    from agentscaler_gym.rollout import rollout

    model = cached_tiny_model(Path(tempfile.gettempdir()) / "agentscaler-tiny-models", tool_sft=True)
    policy = TransformersPolicy(model, max_new_tokens=48)
    runs = {}
    for c in (episodes, 1):
        result = rollout("AgentScaler/mock-v0", policy, episodes=episodes, concurrency=c, max_turns=3)
        runs[c] = result.stats | {"turns": sum(t.turns for t in result)}
    batched, single = runs[episodes], runs[1]
    return {
        "bench": "tiny_model",
        "env": "AgentScaler/mock-v0",
        "episodes": episodes,
        "max_new_tokens": 48,
        "share_outside_policy": round(1 - batched["policy_s"] / batched["wall_s"], 4),
        "episodes_per_s": round(episodes / batched["wall_s"], 3),
        "concurrency": episodes,
        "reference": "one generate call per turn (concurrency=1)",
        "reference_share_outside_policy": round(1 - single["policy_s"] / single["wall_s"], 4),
        "reference_episodes_per_s": round(episodes / single["wall_s"], 3),
        "ratio": round(single["wall_s"] / batched["wall_s"], 2),
    }


if __name__ == "__main__":
    main()
