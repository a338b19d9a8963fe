"""Machine instructions of one read step against its SQL floor, counted by valgrind (needs ``valgrind``).

Times on a shared machine move by tens of percent from run to run; instruction counts do not, so
this is the figure to compare two versions of the step path by. Prints one JSON line per env:
``ours`` (``env.step`` of the first gold read call of a task, as ``benchmarks/episode.py`` times
it), ``floor`` (the SQL statements that step executed, replayed with raw ``sqlite3`` on a copy of
the seed), both per step, and ``x_floor``. Instructions are not time (here Python's instructions
run faster than SQLite's, so the time ratio is lower), but a change to the step path moves
``ours`` by what it adds or removes, whatever else runs on the machine.

Each figure is the difference of two runs under ``valgrind --tool=callgrind`` with instrumentation
switched on only after the env is built (``--repeat`` resets and steps against as many resets;
``--repeat`` replays against none), a minute or two per env.

    python benchmarks/step_instructions.py [--env AgentScaler/retail-v0 ...] [--repeat 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys

VERTICALS = ("AgentScaler/retail-v0", "AgentScaler/airline-v0", "AgentScaler/telecom-v0")


def child(env_id: str, what: str, repeat: int) -> None:
    """Build the env, say ``ready``, wait for a line on stdin, then run ``what`` ``repeat`` times."""
    import gymnasium as gym

    import agentscaler_gym  # noqa: F401 - registers the ids
    from agentscaler_gym.tools import READ

    env = gym.make(env_id, disable_env_checker=True).unwrapped
    task, call = next(
        (t, c)
        for t in env.tasks
        for c in t.gold_calls[:1]
        if c.actor == "assistant" and env.domain.tools[c.name].kind == READ
    )
    action = f"<tool_call>{json.dumps({'name': call.name, 'arguments': dict(call.arguments)})}</tool_call>"
    options = {"task_id": task.id}
    seat = env.seats["assistant"]
    statements: list[str] = []
    env.reset(options=options)
    seat.db.conn.set_trace_callback(statements.append)
    env.step(action)
    seat.db.conn.set_trace_callback(None)
    floor = sqlite3.connect(":memory:", isolation_level=None)
    seat.db.seed.copy_into(floor)

    def replay() -> None:
        for sql in statements:
            floor.execute(sql).fetchall()

    def step() -> None:
        env.reset(options=options)
        env.step(action)

    run = {"step": step, "reset": lambda: env.reset(options=options), "floor": replay}[what]
    run()  # warm: compiled statements, caches
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(repeat):
        run()


def count(env_id: str, what: str, repeat: int) -> int:
    """Instructions of the child's loop (and of its exit, which the difference of two runs cancels)."""
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null"]
    cmd += [sys.executable, __file__, "--child", env_id, what, str(repeat)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        raise RuntimeError(f"the child did not start: {proc.stderr.read()[-2000:]}")
    subprocess.run(["callgrind_control", "--instr=on", str(proc.pid)], check=True, capture_output=True)
    _, err = proc.communicate("go\n")
    found = re.search(r"Collected\s*:\s*(\d+)", err)
    if proc.returncode or not found:
        raise RuntimeError(f"valgrind failed: {err[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", action="append", help="env id (repeatable); default: the three verticals")
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        env_id, what, repeat = args.child
        child(env_id, what, int(repeat))
        return
    os.environ["PYTHONHASHSEED"] = "0"  # the same hashes, the same dict probes, the same counts
    n = args.repeat
    for env_id in args.env or VERTICALS:
        ours = (count(env_id, "step", n) - count(env_id, "reset", n)) / n  # reset + step, less the reset
        floor = (count(env_id, "floor", n) - count(env_id, "floor", 0)) / n
        line = {"env": env_id, "metric": "read_step_instructions", "ours": round(ours), "floor": round(floor)}
        print(json.dumps(line | {"x_floor": round(ours / floor, 2)}), flush=True)


if __name__ == "__main__":
    main()
