"""Cost of the PettingZoo view: oracle assistant + scripted user episodes, multi-agent vs single-agent.

    python benchmarks/multiagent.py [--env AgentScaler/retail-v0 ...] [--episodes 200] [--repeats 5]

Prints one JSON object per env: the median episode time through ``rollout.play`` on the AEC view
(``ours``) beside ``rollout.run_episode`` on ``gym.make`` of the same id (``reference``), over the
same tasks and seeds, and their ratio. Only the view keeps the user's transcript and checks its replies.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import gymnasium as gym

import agentscaler_gym
from agents import OraclePolicy
from agentscaler_gym import multiagent
from agentscaler_gym.rollout import play, run_episode
from agentscaler_gym.users import ScriptedUser


def timed(play_one, task_ids) -> float:
    start = time.perf_counter()
    for seed, task_id in enumerate(task_ids):
        play_one(seed, task_id)
    return (time.perf_counter() - start) / len(task_ids)


def bench(env_id: str, episodes: int, repeats: int) -> dict:
    aec = multiagent.env(env_id)
    single = gym.make(env_id, disable_env_checker=True)
    tasks = aec.gym_env.tasks
    task_ids = [tasks[i % len(tasks)].id for i in range(episodes)]
    oracle, user = OraclePolicy(), multiagent.UserPolicy(ScriptedUser(), device=aec.device)
    ours, reference = [], []
    for _ in range(repeats):  # interleaved, so machine noise hits both alike
        ours.append(timed(lambda s, t: play(aec, oracle, user, seed=s, task_id=t), task_ids))
        reference.append(timed(lambda s, t: run_episode(single, oracle, seed=s, task_id=t), task_ids))
    ours_ms, reference_ms = statistics.median(ours) * 1e3, statistics.median(reference) * 1e3
    return {
        "env": env_id,
        "episodes": episodes,
        "repeats": repeats,
        "ours_multiagent_episode_ms": round(ours_ms, 3),
        "reference_single_agent_episode_ms": round(reference_ms, 3),
        "ratio": round(ours_ms / reference_ms, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", action="append", help="env id (repeatable); default: every built-in id")
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for env_id in args.env or agentscaler_gym.builtin_ids():
        print(json.dumps(bench(env_id, args.episodes, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
