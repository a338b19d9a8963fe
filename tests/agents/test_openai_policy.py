"""OpenAIPolicy against real HTTP servers on 127.0.0.1: the tiny model behind agents.serve, and
servers that misbehave (hang, answer garbage, fail, refuse the connection)."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gymnasium as gym
import pytest

import agentscaler_gym  # noqa: F401
from agents.openai_compat import OpenAIPolicy, PolicyError, to_openai_messages
from agentscaler_gym.rollout import rollout

MOCK = "AgentScaler/mock-v0"


@pytest.fixture(scope="module")
def tiny_server(tiny_tool_model):
    from agents.hf import TransformersPolicy
    from agents.serve import ChatServer

    policy = TransformersPolicy(tiny_tool_model, max_new_tokens=48)
    with ChatServer(policy, model_name="tiny") as server:
        yield server


def test_tiny_model_drives_full_episodes_through_the_local_server(tiny_server):
    client = OpenAIPolicy(tiny_server.url, "tiny", max_concurrency=4)
    result = rollout(MOCK, client, episodes=4, max_turns=3)
    assert len(result) == 4 and result.stats["errors"] == 0
    for t in result:
        first = next(m for m in t.messages if m["role"] == "assistant")
        assert first.get("tool_calls")  # parsed by the server, sent back as OpenAI tool_calls
        assert "state_match" in t.verification
        assert t.tokens["prompt"] > 0 and t.tokens["requests"] == t.turns == len(t.timings["latency"])
    assert client.stats["failures"] == 0


def test_the_server_answers_what_the_local_policy_answers(tiny_server):
    env = gym.make(MOCK).unwrapped
    _, info = env.reset(options={"task_index": 3})
    client = OpenAIPolicy(tiny_server.url, "tiny")
    over_http = client.act(env.messages, info["tools"])
    local = tiny_server.policy.act(env.messages, info["tools"])
    for message in (over_http, local):
        message.pop("usage")
        message.pop("reasoning_content", None)
    assert over_http == local


def test_concurrent_requests_are_generated_in_shared_batches(tiny_server):
    before = dict(tiny_server.stats)
    rollout(MOCK, OpenAIPolicy(tiny_server.url, "tiny", max_concurrency=8), episodes=8, max_turns=1)
    requests = tiny_server.stats["requests"] - before["requests"]
    batches = tiny_server.stats["batches"] - before["batches"]
    assert requests == 8 and batches < requests


def test_models_and_bad_requests(tiny_server):
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(tiny_server.url + "/models") as r:
        assert json.loads(r.read())["data"][0]["id"] == "tiny"
    request = urllib.request.Request(tiny_server.url + "/chat/completions", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request)
    assert err.value.code == 400


# -- misbehaving servers -------------------------------------------------------------------


class Scripted(BaseHTTPRequestHandler):
    """Answers "Goodbye." unless the user's opening names a behaviour in ``behaviours``."""

    behaviours: dict = {}
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        opening = next(m["content"] for m in body["messages"] if m["role"] == "user")
        self.seen.append(opening)
        behaviour = self.behaviours.get(opening, "ok")
        if behaviour == "hang":
            time.sleep(2)
            return
        if behaviour == "flaky" and self.seen.count(opening) == 1:
            return self._send(503, b'{"error": "overloaded"}')
        if behaviour == "500":
            return self._send(500, b'{"error": "boom"}')
        if behaviour == "garbage":
            return self._send(200, b"<html>gateway</html>")
        if behaviour == "no_choices":
            return self._send(200, b'{"id": "x", "choices": []}')
        answer = {
            "choices": [{"message": {"role": "assistant", "content": "Goodbye."}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2},
        }
        self._send(200, json.dumps(answer).encode())

    def _send(self, status, data):
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted_server():
    Scripted.behaviours, Scripted.seen = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_each_failure_ends_only_its_own_episode(scripted_server):
    by_opening = {t.scenario.opening: t for t in gym.make(MOCK).unwrapped.tasks}  # one behaviour per episode
    tasks = list(by_opening.values())[:6]
    for task, behaviour in zip(tasks, ["hang", "garbage", "no_choices", "500", "flaky"]):
        Scripted.behaviours[task.scenario.opening] = behaviour
    client = OpenAIPolicy(scripted_server, "m", timeout=0.5, retries=1, backoff=0.01, max_concurrency=6)
    result = rollout(MOCK, client, task_ids=[t.id for t in tasks])
    errors = [t.error for t in result]
    assert "timed out" in errors[0]
    assert "malformed response" in errors[1] and "not JSON" in errors[1]
    assert "malformed chat completion" in errors[2]
    assert "HTTP 500" in errors[3]
    assert errors[4] is None and errors[5] is None  # a 503 retried once, then fine
    assert result.stats["errors"] == 4
    assert result[5].turns == 1 and result[5].tokens == {"prompt": 5, "completion": 2, "requests": 1, "cost": 0.0}
    assert client.stats["retries"] >= 3  # the hang, the 500 and the 503 were retried


def test_a_refused_connection_is_recorded_and_the_rollout_finishes():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    client = OpenAIPolicy(f"http://127.0.0.1:{port}/v1", "m", retries=2, backoff=0.01)
    result = rollout(MOCK, client, episodes=2)
    assert [t.error is not None for t in result] == [True, True]
    assert "ConnectionRefusedError" in result[0].error
    assert client.stats == {"requests": 6, "retries": 4, "failures": 2}
    with pytest.raises(PolicyError):
        client.act([{"role": "user", "content": "hi"}], [])


def test_transcripts_become_valid_openai_requests():
    messages = [
        {"role": "system", "content": "policy"},
        {"role": "user", "content": "close 7"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"type": "function", "function": {"name": "get_ticket", "arguments": {"ticket_id": 7}}}],
        },
        {"role": "tool", "name": "get_ticket", "content": '{"status": "open"}'},
        {"role": "assistant", "content": "<tool_call>{bad</tool_call>"},
        {"role": "tool", "name": "invalid_tool_call", "content": "Error: could not parse"},
    ]
    out = to_openai_messages(messages)
    call = out[2]["tool_calls"][0]
    assert call["function"]["arguments"] == '{"ticket_id": 7}' and out[3] == {
        "role": "tool",
        "tool_call_id": call["id"],
        "content": '{"status": "open"}',
    }
    assert out[5] == {"role": "user", "content": "[invalid_tool_call] Error: could not parse"}  # no call to answer


# -- a third-party server ------------------------------------------------------------------


@pytest.mark.slow
def test_episodes_through_transformers_serve(tiny_tool_model, tmp_path):
    """The same client against ``transformers serve`` (needs ``transformers[serving]``)."""
    import os
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    from transformers.utils.import_utils import is_serve_available

    if not is_serve_available():
        pytest.skip("transformers[serving] is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path)}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "transformers"),
            "serve",
            str(tiny_tool_model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--device",
            "cpu",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.time() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                assert server.poll() is None and time.time() < deadline, "transformers serve did not start"
                time.sleep(1)
        client = OpenAIPolicy(
            f"http://127.0.0.1:{port}/v1", str(tiny_tool_model), max_tokens=48, timeout=120, retries=0
        )
        # One turn each: on the malformed calls this model writes later, transformers serve answers
        # HTTP 500 (its parser raises), which would end the episode with that error.
        result = rollout(MOCK, client, episodes=2, max_turns=1)
        assert result.stats["errors"] == 0, [t.error for t in result]
        for t in result:
            first = next(m for m in t.messages if m["role"] == "assistant")
            assert first.get("tool_calls") and "state_match" in t.verification and t.tokens["prompt"] > 0
    finally:
        server.terminate()
        server.wait(timeout=30)
