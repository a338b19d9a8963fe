"""MCP round-trip cost per tool call, over stdio and streamable HTTP, beside the bare ``env.step``.

Prints one JSON object per line. In the same run, the same read call (``get_order_details`` on one
order, or the env's first read tool with the arguments of its first gold call) is made:

- ``env.step``: in process, one assistant turn with one tool call (parse, validate, query, render);
- ``stdio``: through ``agentscaler mcp`` in a child process, by the SDK's ``ClientSession``;
- ``http``: through ``agentscaler mcp --transport http`` on 127.0.0.1, by the same client;
- ``ping``: an MCP ping on the same session after each call, the SDK's and the transport's own
  floor, which no tool call can go under.

The overhead of a transport is its median per call minus the median of ``env.step``.

    python benchmarks/mcp_overhead.py [--env AgentScaler/retail-v0] [--calls 300]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from agentscaler_gym.integrations.episode import call_tool, make_env
from agentscaler_gym.tools import READ


def read_call(env) -> tuple[str, dict, str]:
    """A read call that succeeds on some task: ``(tool, arguments, task id)``."""
    for task in env.tasks:
        for call in task.gold_calls:
            if call.actor != "user" and env.domain.tools[call.name].kind == READ:
                return call.name, dict(call.arguments), task.id
    raise SystemExit("no task of the split has a read call")


def bare(env_id: str, calls: int, warmup: int) -> tuple[list[float], tuple[str, dict, str]]:
    env = make_env(env_id, max_turns=calls + warmup + 1)
    name, arguments, task_id = read_call(env)
    env.reset(seed=0, options={"task_id": task_id})
    samples = []
    for _ in range(calls + warmup):
        t0 = time.perf_counter()
        _, ended = call_tool(env, name, arguments)
        samples.append(time.perf_counter() - t0)
        assert not ended
    env.close()
    return samples[warmup:], (name, arguments, task_id)


async def over(session: ClientSession, call: tuple[str, dict, str], calls: int, warmup: int) -> dict:
    """Per-call seconds of the tool call, and of a ping (the SDK's and the transport's own floor)."""
    name, arguments, task_id = call
    await session.initialize()
    await session.call_tool("start_episode", {"task_id": task_id, "seed": 0})
    samples: dict[str, list[float]] = {"call": [], "ping": []}
    for _ in range(calls + warmup):
        t0 = time.perf_counter()
        result = await session.call_tool(name, arguments)
        t1 = time.perf_counter()
        await session.send_ping()
        samples["call"].append(t1 - t0)
        samples["ping"].append(time.perf_counter() - t1)
        assert not result.is_error, result.content[0].text
    return {k: v[warmup:] for k, v in samples.items()}


def server_command(env_id: str, turns: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "agentscaler_gym.cli", "mcp", "--env", env_id, "--max-turns", str(turns), *extra]


async def stdio(env_id: str, call, calls: int, warmup: int) -> dict:
    command = server_command(env_id, calls + warmup + 1)
    params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        return await over(session, call, calls, warmup)


async def http(env_id: str, call, calls: int, warmup: int) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = server_command(env_id, calls + warmup + 1, "--transport", "http", "--port", str(port))
    server = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 120
        while True:  # wait until the server listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the HTTP server did not start") from None
                await anyio.sleep(0.1)
        url = f"http://127.0.0.1:{port}/mcp"
        async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
            return await over(session, call, calls, warmup)
    finally:
        server.terminate()
        server.wait(30)


def emit(env_id: str, transport: str, samples: list[float], floor: float | None) -> None:
    median = statistics.median(samples)
    row = {
        "env": env_id,
        "transport": transport,
        "calls": len(samples),
        "median_us": round(median * 1e6, 1),
        "p90_us": round(statistics.quantiles(samples, n=10)[-1] * 1e6, 1),
    }
    if floor is not None:
        row["overhead_us"] = round((median - floor) * 1e6, 1)
        row["x_env_step"] = round(median / floor, 1)
    print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="AgentScaler/retail-v0")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    samples, call = bare(args.env, args.calls, args.warmup)
    floor = statistics.median(samples)
    emit(args.env, "env.step", samples, None)
    for transport, run in (("stdio", stdio), ("http", http)):
        samples = anyio.run(run, args.env, call, args.calls, args.warmup)
        emit(args.env, f"{transport} tool call", samples["call"], floor)
        emit(args.env, f"{transport} ping", samples["ping"], None)


if __name__ == "__main__":
    main()
