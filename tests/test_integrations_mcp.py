"""The MCP server driven by the SDK's own client (``ClientSession``) over stdio and streamable HTTP."""

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("mcp", reason="the 'mcp' extra is not installed")

import anyio  # noqa: E402
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from agentscaler_gym.integrations.episode import make_env  # noqa: E402
from agentscaler_gym.integrations.mcp import EPISODE_URI, EpisodeServer  # noqa: E402
from agentscaler_gym.tasks import oracle_turns  # noqa: E402

RETAIL = "AgentScaler/retail-v0"
NOOP = [{"role": "assistant", "content": "Goodbye."}]


@pytest.fixture(scope="module")
def retail():
    env = make_env(RETAIL)
    yield env
    env.close()


def play_locally(env, task_id: str, turns: list[dict]) -> dict:
    """The Gymnasium env's verification for the same actions."""
    env.reset(seed=0, options={"task_id": task_id})
    for turn in turns:
        *_, terminated, truncated, info = env.step(turn)
        if terminated or truncated:
            return info["verification"]
    raise AssertionError("the turns did not end the episode")


async def play(session: ClientSession, task_id: str, turns: list[dict]):
    """The same turns as MCP calls: each tool call as itself, each message through send_message_to_user."""
    opening = await session.call_tool("start_episode", {"task_id": task_id, "seed": 0})
    assert not opening.is_error and opening.structured_content["task_id"] == task_id
    for turn in turns:
        if turn.get("tool_calls"):
            fn = turn["tool_calls"][0]["function"]
            result = await session.call_tool(fn["name"], fn["arguments"])
        else:
            result = await session.call_tool("send_message_to_user", {"message": turn["content"]})
        if result.structured_content and result.structured_content.get("done"):
            return result
    raise AssertionError("the episode did not end")


def jsonable(value):
    return json.loads(json.dumps(value))


def check_tools(listed, env) -> None:
    _, info = env.reset(seed=0)
    names = [t.name for t in listed.tools]
    assert names == ["start_episode", *(s["function"]["name"] for s in info["tools"]), "send_message_to_user"]
    served = {t.name: (t.description, t.input_schema) for t in listed.tools}
    for schema in info["tools"]:
        fn = schema["function"]
        assert served[fn["name"]] == (fn["description"], jsonable(fn["parameters"]))


def test_stdio_session_plays_the_oracle_to_the_gym_verification(retail):
    """The `agentscaler mcp` command over stdio: tools, policy, a malformed call, the oracle, the end."""
    task = retail.tasks[3]
    turns = oracle_turns(task)
    expected = play_locally(retail, task.id, turns)
    write = next(t for t in turns if t.get("tool_calls"))["tool_calls"][0]["function"]
    bad = {k: 12345 for k in write["arguments"]}  # every argument of the wrong type
    policy = retail.reset(seed=0)[1]["system_prompt"]
    retail.reset(seed=0, options={"task_id": task.id})
    bad_text = retail.step(
        {"role": "assistant", "tool_calls": [{"function": {"name": write["name"], "arguments": bad}}]}
    )[0]

    async def main():
        command = [sys.executable, "-m", "agentscaler_gym.cli", "mcp", "--env", RETAIL]
        params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
        async with stdio_client(params) as (read, write_), ClientSession(read, write_) as session:
            init = await session.initialize()
            assert init.instructions == policy
            check_tools(await session.list_tools(), retail)
            prompt = await session.get_prompt("policy")
            assert prompt.messages[0].content.text == policy

            early = await session.call_tool("get_order_details", {"order_id": "#W0000000"})
            assert early.is_error and "start_episode" in early.content[0].text

            await session.call_tool("start_episode", {"task_id": task.id, "seed": 0})
            malformed = await session.call_tool(write["name"], bad)
            assert malformed.is_error and malformed.content[0].text == bad_text
            unknown = await session.call_tool("no_such_tool", {})
            assert unknown.is_error and unknown.content[0].text.startswith("Error: unknown tool 'no_such_tool'")
            again = await session.call_tool("start_episode", {"task_id": task.id})
            assert again.is_error and "already started" in again.content[0].text

            # the episode goes on: the oracle's turns from here (start_episode is not called twice)
            for turn in turns:
                if turn.get("tool_calls"):
                    fn = turn["tool_calls"][0]["function"]
                    result = await session.call_tool(fn["name"], fn["arguments"])
                    assert not result.is_error, result.content[0].text
                else:
                    result = await session.call_tool("send_message_to_user", {"message": turn["content"]})
            assert result.structured_content == {"done": True, "reward": 1.0, "verification": jsonable(expected)}

            after = await session.call_tool("get_order_details", {"order_id": "#W0000000"})
            assert after.is_error and after.structured_content == result.structured_content
            state = json.loads((await session.read_resource(EPISODE_URI)).contents[0].text)
            assert state["done"] and state["task_id"] == task.id and state["verification"] == jsonable(expected)
            assert state["messages"][-1]["role"] == "user"

    anyio.run(main)


# -- streamable HTTP, served in this process so that its live sessions can be inspected ------------


@pytest.fixture(scope="module")
def http_server():
    import uvicorn

    served = EpisodeServer(RETAIL)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(served.http_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the HTTP server did not start"
        time.sleep(0.02)
    yield served, f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    server.should_exit = True
    thread.join(30)


async def session_over_http(url: str, task_id: str, turns: list[dict]):
    async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return await play(session, task_id, turns)


def test_http_sessions_are_isolated_episodes_with_their_own_verification(http_server, retail):
    """16 concurrent sessions on different tasks, half the oracle and half doing nothing."""
    served, url = http_server
    tasks = retail.tasks[:16]
    plans = [(t.id, oracle_turns(t) if i % 2 == 0 else NOOP) for i, t in enumerate(tasks)]
    expected = [play_locally(retail, task_id, turns) for task_id, turns in plans]
    results: dict[int, object] = {}

    async def one(i: int, task_id: str, turns: list[dict]) -> None:
        results[i] = await session_over_http(url, task_id, turns)

    async def main():
        async with anyio.create_task_group() as group:
            for i, (task_id, turns) in enumerate(plans):
                group.start_soon(one, i, task_id, turns)

    anyio.run(main)
    for i, want in enumerate(expected):
        got = results[i].structured_content
        assert got["verification"] == jsonable(want)
        assert got["reward"] == (1.0 if i % 2 == 0 else 0.0)
    deadline = time.monotonic() + 30
    while served.live:  # each client ended its session on exit: the server frees the envs
        assert time.monotonic() < deadline, f"{len(served.live)} envs outlived their sessions"
        time.sleep(0.05)


def test_http_tools_and_the_auto_mode_client(http_server, retail):
    """An SDK client in its default auto mode probes the 2026 era, is declined, and gets a session."""
    from mcp import Client

    _, url = http_server

    async def main():
        async with Client(url) as client:
            check_tools(await client.list_tools(), retail)
            result = await client.call_tool("start_episode", {"task_id": retail.tasks[0].id})
            assert result.content[0].text == retail.tasks[0].scenario.opening
            state = json.loads((await client.read_resource(EPISODE_URI)).contents[0].text)
            assert state["started"] and state["task_id"] == retail.tasks[0].id

    anyio.run(main)


def test_the_sdk_is_loaded_only_by_the_integration_and_its_absence_is_named():
    code = (
        "import sys, agentscaler_gym\n"
        "assert not [m for m in sys.modules if m.startswith('agentscaler_gym.integrations')]\n"
        "import agentscaler_gym.cli\n"
        "agentscaler_gym.cli.make_parser()  # registers `agentscaler mcp`\n"
        "assert not {'mcp', 'verifiers'} & set(sys.modules), sorted(m for m in sys.modules if m.startswith(('mcp', 'verifiers')))\n"
        "sys.modules['mcp'] = None  # as if the extra were not installed\n"
        "from agentscaler_gym.integrations.mcp import EpisodeServer\n"
        "try:\n"
        "    EpisodeServer('AgentScaler/mock-v0')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'mcp' extra" in out.stdout and 'pip install "agentscaler-gym[mcp]"' in out.stdout


def test_dual_control_keeps_the_device_tools_on_the_users_side():
    """Telecom over the SDK's in-process client: the user's tools are not served, and the oracle,
    which asks the user to act on their phone, gets the Gymnasium env's verification."""
    from mcp import Client

    telecom = make_env("AgentScaler/telecom-v0")
    _, info = telecom.reset(seed=0)
    task = next(t for t in telecom.tasks if any(c.actor == "user" for c in t.gold_calls))
    turns = oracle_turns(task)
    expected = play_locally(telecom, task.id, turns)
    served = EpisodeServer("AgentScaler/telecom-v0")
    assert not {s["function"]["name"] for s in info["user_tools"]} & {t.name for t in served.tools}

    async def main():
        async with Client(served.server, mode="legacy") as client:
            return await play(client, task.id, turns)

    result = anyio.run(main)
    assert result.structured_content == {"done": True, "reward": 1.0, "verification": jsonable(expected)}
    assert not served.live
