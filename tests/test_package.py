import json
import subprocess
import sys

import agentscaler_gym

HEAVY = ("torch", "transformers", "trl", "vllm", "ray", "datasets", "accelerate")


def test_importing_and_making_envs_imports_no_heavy_stack():
    code = (
        "import sys, gymnasium as gym, agentscaler_gym\n"
        "for env_id in agentscaler_gym.builtin_ids()[:6]:\n"
        "    env = gym.make(env_id); env.reset(seed=0); env.step('hello?')\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_are_exactly_those_exported():
    public = {name for name in vars(agentscaler_gym) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(agentscaler_gym, name)).__name__ == "module"}
    assert public - modules == set(agentscaler_gym.__all__)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "agentscaler_gym.cli", *args], capture_output=True, text=True, check=True
    )


def test_cli_run_reports_json_for_scripts():
    summary = json.loads(run_cli("run", "--env", "AgentScaler/mock-v0", "--policy", "oracle", "--json").stdout)
    assert summary["episodes"] == 20 and summary["pass_rate"] == 1.0 and summary["mean_reward"] == 1.0
    summary = json.loads(
        run_cli("run", "--env", "AgentScaler/mock-v0", "--policy", "noop", "--episodes", "5", "--json").stdout
    )
    assert summary["episodes"] == 5 and summary["pass_rate"] == 0.0


def test_cli_list_and_show():
    rows = [json.loads(line) for line in run_cli("list", "--json").stdout.splitlines()]
    mock = next(r for r in rows if r["id"] == "AgentScaler/mock-v0")
    assert mock["tasks"] == {"train": 40, "test": 20} and mock["tools"] == 6
    task = json.loads(run_cli("show", "AgentScaler/mock-v0", "--task", "open-000").stdout)
    assert task["id"] == "open-000" and task["gold_calls"][0]["name"] == "find_customer_by_email"
