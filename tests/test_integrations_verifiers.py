"""The verifiers environment: rollouts through verifiers' own episode machinery against
OpenAI-compatible servers on 127.0.0.1 (a scripted oracle, and the tiny offline model)."""

import asyncio
import json
import subprocess
import sys

import pytest

pytest.importorskip("verifiers", reason="the 'verifiers' extra is not installed")

import verifiers.v1 as vf  # noqa: E402

from agents.serve import ChatServer  # noqa: E402
from agentscaler_gym.integrations.episode import make_env  # noqa: E402
from agentscaler_gym.integrations.verifiers import assistant_action, load_environment  # noqa: E402
from agentscaler_gym.tasks import oracle_turns  # noqa: E402

RETAIL = "AgentScaler/retail-v0"


class ScriptedOracle:
    """Plays each task's gold calls as Hermes <tool_call> text, then its closing message."""

    def __init__(self, env):
        self.turns = {t.scenario.opening: oracle_turns(t) for t in env.tasks}

    def act_batch(self, requests):
        answers = []
        for request in requests:
            opening = next(m["content"] for m in request.messages if m["role"] == "user")
            turns = self.turns[opening]
            turn = turns[min(sum(m["role"] == "assistant" for m in request.messages), len(turns) - 1)]
            calls = [c["function"] for c in turn.get("tool_calls", ())]
            text = "".join(f"<tool_call>\n{json.dumps(c)}\n</tool_call>" for c in calls) or turn["content"]
            answers.append({"role": "assistant", "content": text})
        return answers


def rollouts(env, tasks, server: ChatServer, monkeypatch) -> list:
    monkeypatch.setenv("AGENTSCALER_TEST_KEY", "local")
    client = vf.EvalClientConfig(base_url=server.url, api_key_var="AGENTSCALER_TEST_KEY")
    ctx = vf.ModelContext(model=server.model_name, client=client)

    async def main():
        async with env.serving():
            return await asyncio.gather(*(env.run_episode(task, ctx) for task in tasks))

    return asyncio.run(main())


def replay(task, trace) -> dict:
    """The Gymnasium env's verification for the trajectory the trace recorded."""
    env = make_env(task.data.env_id)
    env.reset(seed=task.data.seed, options={"task_id": task.data.task_id})
    for message in trace.branches[-1].messages:
        if message.role == "assistant":
            *_, terminated, truncated, info = env.step(assistant_action([message]))
            if terminated or truncated:
                return info["verification"]
    return env.verify().to_dict()


def check(task, episode) -> dict:
    """The episode's reward and metrics are the replayed trajectory's verification."""
    assert episode.ok, episode.errors
    (trace,) = episode.traces
    want = replay(task, trace)
    assert trace.rewards["verification"].score == want["reward"]
    for name in ("state_match", "exact_match", "outputs_match"):
        assert trace.metrics.get(name) == (None if want[name] is None else float(want[name]))
    return want


def test_the_oracle_scores_one_through_verifiers(monkeypatch):
    env = load_environment(env_ids=[RETAIL], split="test", limit=4)
    tasks = list(env.taskset)
    assert [t.data.task_id for t in tasks] == [t.id for t in make_env(RETAIL).tasks[:4]]
    assert tasks[0].data.prompt is None and "<tools>" in tasks[0].data.system_prompt
    with ChatServer(ScriptedOracle(make_env(RETAIL)), model_name="oracle") as server:
        episodes = rollouts(env, tasks, server, monkeypatch)
    for task, episode in zip(tasks, episodes):
        assert check(task, episode)["reward"] == 1.0


def test_the_tiny_model_is_scored_by_the_env(tiny_tool_model, monkeypatch):
    from agents.hf import TransformersPolicy

    env = load_environment(env_ids=["AgentScaler/mock-v0"], limit=2, max_turns=3)
    tasks = list(env.taskset)
    policy = TransformersPolicy(tiny_tool_model, max_new_tokens=48)
    with ChatServer(policy, model_name="tiny") as server:
        episodes = rollouts(env, tasks, server, monkeypatch)
    for task, episode in zip(tasks, episodes):
        check(task, episode)
        assert episode.traces[0].num_turns >= 1


def test_an_absent_extra_is_named():
    code = (
        "import sys\n"
        "sys.modules['verifiers'] = None  # as if the extra were not installed\n"
        "try:\n"
        "    import agentscaler_gym.integrations.verifiers\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'verifiers' extra" in out.stdout and 'pip install "agentscaler-gym[verifiers]"' in out.stdout
