"""Env latency: reset, a read step, a write step, and a full oracle episode, beside naive references.

Prints one JSON object per line. Each of our figures stands beside a reference measured in the same
run on the same data:

- reset: ours, after a write step, puts back the rows it changed (one statement); the naive
  reference deep-copies the full state (every row of every table, as Python objects), as envs that
  keep state in memory do.
- read / write step: ours is ``env.step`` on a tool-call string (parse, validate, query, render);
  the reference is the bare SQLite statement alone, the floor under any env.
- oracle episode: ours is reset + every gold call + the closing message + verification; the naive
  reference replaces reset by the deep copy and verification by hashing the whole database.

    python benchmarks/episode.py [--env AgentScaler/retail-v0 ...] [--episodes 200]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time

import gymnasium as gym

import agentscaler_gym  # noqa: F401 - registers the ids
from agentscaler_gym.tasks import oracle_turns
from agentscaler_gym.tools import READ, WRITE

VERTICALS = ("AgentScaler/retail-v0", "AgentScaler/airline-v0", "AgentScaler/telecom-v0")


def timeit(fn, repeat: int) -> float:
    """Median seconds of ``fn()`` over ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def emit(env_id: str, metric: str, ours: float, reference: float, reference_name: str, **extra) -> None:
    print(
        json.dumps(
            {
                "env": env_id,
                "metric": metric,
                "ours_us": round(ours * 1e6, 2),
                "reference": reference_name,
                "reference_us": round(reference * 1e6, 2),
                "speedup": round(reference / ours, 1),
                **extra,
            }
        ),
        flush=True,
    )


def as_action(call) -> str:
    return f"<tool_call>{json.dumps({'name': call.name, 'arguments': dict(call.arguments)})}</tool_call>"


def bench(env_id: str, episodes: int) -> None:
    env = gym.make(env_id, disable_env_checker=True).unwrapped
    domain = env.domain
    rows = domain.rows
    tasks = env.tasks[:episodes]
    plans = {
        t.id: [
            as_action(c) if c.actor == "assistant" else turn["content"]
            for c, turn in zip(t.gold_calls, oracle_turns(t))
        ]
        + [oracle_turns(t)[-1]["content"]]
        for t in tasks
    }

    def step_of(kind):
        for task in tasks:
            for i, call in enumerate(task.gold_calls):
                if call.actor == "assistant" and domain.tools[call.name].kind == kind:
                    return task, i
        return None, None

    # A reset after a write step (after reads only, there is nothing to put back).
    task, index = step_of(WRITE)
    task, actions = (task, plans[task.id][: index + 1]) if task else (tasks[0], [])
    samples = []
    for _ in range(2000):
        env.reset(options={"task_id": task.id})
        for action in actions:
            env.step(action)
        changed = len(env.changes())
        t0 = time.perf_counter()
        env.reset(options={"task_id": task.id})
        samples.append(time.perf_counter() - t0)
    emit(
        env_id,
        "reset",
        statistics.median(samples),
        timeit(lambda: copy.deepcopy(rows), 20),
        "deepcopy of the full state",
        rows=sum(map(len, rows.values())),
        rows_changed=changed,
    )

    for kind in (READ, WRITE):
        task, index = step_of(kind)
        if task is None:
            continue
        call = task.gold_calls[index]
        prefix = plans[task.id][:index]
        action = as_action(call)

        def prepare():
            env.reset(options={"task_id": task.id})  # noqa: B023 (called in the loop)
            for a in prefix:  # noqa: B023 (called in the loop)
                env.step(a)

        samples = []
        for _ in range(300 if kind == READ else 200):
            prepare()
            t0 = time.perf_counter()
            env.step(action)
            samples.append(time.perf_counter() - t0)
        ours = statistics.median(samples)
        table = next(iter(domain.seed.tables))
        floor = timeit(lambda: env.db.conn.execute(f'SELECT * FROM "{table}" WHERE rowid = 7').fetchall(), 2000)  # noqa: B023 (called in the loop)
        emit(env_id, f"{kind}_step", ours, floor, "bare SQLite point query", tool=call.name)

    def ours_episode(task):
        env.reset(options={"task_id": task.id})
        for action in plans[task.id]:
            _, reward, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                return reward

    gold_digests = {}
    for task in tasks:  # the naive env compares whole-database digests; the gold digest is computed once
        agent_db, _ = domain.databases()
        domain.replay(task, (agent_db, domain.databases()[1]))
        gold_digests[task.id] = agent_db.digest()

    def naive_episode(task):
        copy.deepcopy(rows)
        env.db.reset()
        env.reset(options={"task_id": task.id})
        for action in plans[task.id][:-1]:
            env.step(action)
        return float(env.db.digest() == gold_digests[task.id])

    ours_t, naive_t, ours_r, naive_r = [], [], [], []
    for task in tasks:
        t0 = time.perf_counter()
        ours_r.append(ours_episode(task))
        ours_t.append(time.perf_counter() - t0)
    for task in tasks[: max(10, len(tasks) // 4)]:
        t0 = time.perf_counter()
        naive_r.append(naive_episode(task))
        naive_t.append(time.perf_counter() - t0)
    emit(
        env_id,
        "oracle_episode",
        statistics.median(ours_t),
        statistics.median(naive_t),
        "naive full-state env (deepcopy reset, whole-database hash)",
        episodes=len(ours_t),
        pass_rate=sum(r == 1.0 for r in ours_r) / len(ours_r),
        naive_pass_rate=sum(naive_r) / len(naive_r),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", action="append", help="env id (repeatable); default: the three verticals present")
    parser.add_argument("--episodes", type=int, default=200)
    args = parser.parse_args()
    env_ids = args.env or [e for e in VERTICALS if e in gym.registry]
    for env_id in env_ids:
        bench(env_id, args.episodes)


if __name__ == "__main__":
    main()
