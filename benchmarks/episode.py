"""Env latency: reset, a read step, a write step, and a full oracle episode, beside naive references.

Prints one JSON object per line: medians of CPU time (``time.thread_time``, steady on a shared
machine). Each of our figures stands beside a reference measured in the same run on the same data:

- reset: ours, after a write step, puts back the rows it changed (one statement); the naive
  reference deep-copies the full state (every row of every table, as Python objects), as envs that
  keep state in memory do.
- read / write step: ours is ``env.step`` on a tool-call string (parse, validate, query, render),
  best of three runs from the same state (each after the same reset and earlier steps); the
  reference is the bare SQLite statement alone, the floor under any env.
- oracle episode: ours is reset + every gold call + the closing message + verification, best of
  three runs in a row; the naive reference replaces reset by the deep copy and verification by
  hashing the whole database.
- verify: scoring an episode whose gold calls have all run (the final state against the gold),
  best of three in a row.

Beside the read step, the write step and the oracle episode stands their floor (``floor_us``,
``x_floor`` = ours / floor, both medians): the very SQL statements they executed, traced with
``set_trace_callback``, replayed with raw ``sqlite3`` on an in-memory copy of the seed, from the
same state (what ran before them is replayed first, untimed), best of three runs as ours are,
measured between our runs (after every other step sample; after each episode) so that a change in
the machine's load hits both. Beside a step's ratio, ``x_floor_single`` is a single run of ours
against the same floor, the one-sided comparison this script made before. What the ratio measures
is everything between an action and its statements: parsing, validation, peewee, rendering,
bookkeeping and scoring.

    python benchmarks/episode.py [--env AgentScaler/retail-v0 ...] [--episodes 200]
"""

from __future__ import annotations

import argparse
import copy
import json
import sqlite3
import statistics
import time

import gymnasium as gym

import agentscaler_gym  # noqa: F401 - registers the ids
from agentscaler_gym.tasks import oracle_turns
from agentscaler_gym.tools import READ, WRITE

VERTICALS = ("AgentScaler/retail-v0", "AgentScaler/airline-v0", "AgentScaler/telecom-v0")
clock = time.thread_time  # CPU time: what the env costs, whatever else shares the machine


def timeit(fn, repeat: int) -> float:
    """Median seconds of ``fn()`` over ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        samples.append(clock() - t0)
    return statistics.median(samples)


def emit(
    env_id: str,
    metric: str,
    ours: float,
    reference: float | None = None,
    reference_name: str = "",
    floor: float | None = None,
    **extra,
) -> None:
    line = {"env": env_id, "metric": metric, "ours_us": round(ours * 1e6, 2)}
    if floor is not None:
        line |= {"floor_us": round(floor * 1e6, 2), "x_floor": round(ours / floor, 2)}
    if reference is not None:
        line |= {"reference": reference_name, "reference_us": round(reference * 1e6, 2)}
        line["speedup"] = round(reference / ours, 1)
    print(json.dumps(line | extra), flush=True)


def databases(env) -> list:
    """The env's databases, one per seat."""
    return [seat.db for seat in env.seats.values()]


def traced(env, fn) -> list[list[str]]:
    """Run ``fn()``; return the SQL statements each of the env's databases executed, bound values
    inlined. Python reports each trigger program a write starts as that write's text again: an
    identical write right after a write is such a report, and is dropped (which can only lower
    the floor)."""
    logs = []
    for db in databases(env):
        logs.append([])
        db.conn.set_trace_callback(logs[-1].append)
    try:
        fn()
    finally:
        for db in databases(env):
            db.conn.set_trace_callback(None)
    return [
        [sql for i, sql in enumerate(log) if not (sql.startswith("--") or i and sql == log[i - 1] and _writes(sql))]
        for log in logs
    ]


def _writes(sql: str) -> bool:
    return sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")


class Floor:
    """Raw ``sqlite3`` on in-memory copies of the env's seed databases, made once."""

    def __init__(self, env):
        self.conns = []
        for db in databases(env):
            self.conns.append(sqlite3.connect(":memory:", isolation_level=None))
            db.seed.copy_into(self.conns[-1])

    def __call__(self, statements: list[list[str]], before: list[list[str]], repeat: int = 3) -> float:
        """Seconds ``statements`` take from the state ``before`` leads to from the seed, at best of
        ``repeat`` runs (as ours are: the first warms the statement cache)."""
        samples = []
        for _ in range(repeat):
            for conn in self.conns:
                conn.execute('DELETE FROM "_reset"')  # back to the seed (the copy keeps the triggers)
            self.run(before)
            t0 = clock()
            self.run(statements)
            samples.append(clock() - t0)
        return min(samples)

    def run(self, statements: list[list[str]]) -> None:
        for conn, log in zip(self.conns, statements):
            for sql in log:
                try:
                    conn.execute(sql).fetchall()
                except sqlite3.Error:
                    pass  # a statement that failed in the episode fails here too


def as_action(call) -> str:
    return f"<tool_call>{json.dumps({'name': call.name, 'arguments': dict(call.arguments)})}</tool_call>"


def bench(env_id: str, episodes: int) -> None:
    env = gym.make(env_id, disable_env_checker=True).unwrapped
    floor = Floor(env)
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
        t0 = clock()
        env.reset(options={"task_id": task.id})
        samples.append(clock() - t0)
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

        samples, firsts, floors = [], [], []
        for i in range(100 if kind == READ else 67):
            runs = []
            for _ in range(3):  # best of three from the same state, as the floor is measured
                prepare()
                t0 = clock()
                env.step(action)
                runs.append(clock() - t0)
            samples.append(min(runs))
            firsts.append(runs[0])
            if i % 2 == 0:  # the floor between our runs (see the module docstring)
                before = traced(env, prepare)
                floors.append(floor(traced(env, lambda: env.step(action)), before))  # noqa: B023 (called in the loop)
        ours = statistics.median(samples)
        conn = databases(env)[0].conn
        table = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchone()[0]
        point = timeit(lambda: conn.execute(f'SELECT * FROM "{table}" WHERE rowid = 7').fetchall(), 2000)  # noqa: B023 (called in the loop)
        emit(
            env_id,
            f"{kind}_step",
            ours,
            point,
            "bare SQLite point query",
            floor=statistics.median(floors),
            tool=call.name,
            # a single run against the floor's best of three (how the steps were measured before)
            x_floor_single=round(statistics.median(firsts) / statistics.median(floors), 2),
        )

    def ours_episode(task):
        env.reset(options={"task_id": task.id})
        for action in plans[task.id]:
            _, reward, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                return reward

    gold_digests = {}
    for task in tasks:  # the naive env compares whole-database digests; the gold digest is computed once
        seats = domain.seats()
        domain.replay(task, seats)
        gold_digests[task.id] = [seat.db.digest() for seat in seats.values()]

    def naive_episode(task):
        copy.deepcopy(rows)
        for seat in env.seats.values():
            seat.db.reset()
        env.reset(options={"task_id": task.id})
        for action in plans[task.id][:-1]:
            env.step(action)
        return float([seat.db.digest() for seat in env.seats.values()] == gold_digests[task.id])

    ours_t, naive_t, ours_r, naive_r, floor_t = [], [], [], [], []
    for task in tasks:  # best of three runs in a row, each from the state the one before left
        samples = []
        for _ in range(3):
            t0 = clock()
            ours_r.append(ours_episode(task))
            samples.append(clock() - t0)
        ours_t.append(min(samples))
        statements = traced(env, lambda: ours_episode(task))  # noqa: B023 (called in the loop)
        floor_t.append(floor(statements, before=statements))
    for task in tasks[: max(10, len(tasks) // 4)]:
        t0 = clock()
        naive_r.append(naive_episode(task))
        naive_t.append(clock() - t0)
    emit(
        env_id,
        "oracle_episode",
        statistics.median(ours_t),
        statistics.median(naive_t),
        "naive full-state env (deepcopy reset, whole-database hash)",
        floor=statistics.median(floor_t),
        episodes=len(ours_t),
        pass_rate=sum(r == 1.0 for r in ours_r) / len(ours_r),
        naive_pass_rate=sum(naive_r) / len(naive_r),
    )

    verify_t = []
    for task in tasks:
        env.reset(options={"task_id": task.id})
        for action in plans[task.id][:-1]:
            env.step(action)
        samples = []
        for _ in range(3):
            t0 = clock()
            env.verify()
            samples.append(clock() - t0)
        verify_t.append(min(samples))
    emit(env_id, "verify", statistics.median(verify_t), episodes=len(verify_t))


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
