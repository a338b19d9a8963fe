"""SFT data generation: rollouts -> filters -> TRL rows, dataset on disk and data card."""

from __future__ import annotations

import json

from agents import RandomPolicy
from train.export import load_rows
from train.filters import FILTERS
from train.generate_sft import _domain, generate_sft, main

MOCK = "AgentScaler/mock-v0"
RETAIL = "AgentScaler/retail-v0"


def test_oracle_rows_are_the_gold_conversations_in_trl_format(sft_data, synth_env_id):
    for folder, env_id in ((sft_data["general"], synth_env_id), (sft_data["vertical"], RETAIL)):
        domain = _domain(env_id)
        rows = load_rows(folder)
        assert len(rows) == json.loads((folder / "card.json").read_text())["totals"]["kept"] > 0
        for row in rows:
            task = domain.task(row["task_id"])
            assert row["env_id"] == env_id
            assert json.loads(row["tools"]) == domain.tool_schemas
            messages = row["messages"]
            assert [m["role"] for m in messages[:2]] == ["system", "user"] and messages[-1]["role"] == "assistant"
            assert messages[0]["content"] == domain.policy
            calls = [
                c["function"] for m in messages if m["role"] == "assistant" and m["tool_calls"] for c in m["tool_calls"]
            ]
            assert all(isinstance(c["arguments"], str) for c in calls)
            # the Arrow round trip keeps each tool's own arguments: nothing merged in, nothing lost
            assert [(c["name"], json.loads(c["arguments"])) for c in calls] == [
                (g.name, dict(g.arguments)) for g in task.gold_calls
            ]
            answers = [m for m in messages if m["role"] == "tool"]
            assert [m["name"] for m in answers] == [c["name"] for c in calls]


def test_the_jsonl_and_the_dataset_hold_the_same_rows(sft_data):
    folder = sft_data["vertical"]
    with open(folder / "sft.jsonl", encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    rows = load_rows(folder)
    assert [r["task_id"] for r in lines] == rows["task_id"]
    assert len(load_rows(folder / "sft.jsonl")) == len(rows)


def test_card_counts_every_episode_once_per_env_and_filter(tmp_path):
    card = generate_sft([MOCK], RandomPolicy(3), tmp_path, episodes=20, seed=3, progress=False)
    per_env = card["per_env"][MOCK]
    assert per_env["episodes"] == 20
    assert per_env["kept"] + sum(per_env["dropped"].values()) == 20
    assert set(per_env["dropped"]) == set(FILTERS) and sum(per_env["dropped"].values()) > 0
    for stage in FILTERS:
        assert sum(per_env["reasons"][stage].values()) == per_env["dropped"][stage]
    trajectories = (tmp_path / "trajectories.jsonl").read_text().splitlines()
    assert len(trajectories) == 20
    markdown = (tmp_path / "card.md").read_text()
    assert f"| {MOCK} | 20 |" in markdown and "## Why episodes were dropped" in markdown


def test_same_seed_same_data(tmp_path):
    a = generate_sft([MOCK], RandomPolicy(5), tmp_path / "a", episodes=8, seed=5, progress=False)
    b = generate_sft([MOCK], RandomPolicy(5), tmp_path / "b", episodes=8, seed=5, progress=False)
    assert a == b
    strip = lambda line: {k: v for k, v in json.loads(line).items() if k != "timings"}  # noqa: E731
    ta = [strip(x) for x in (tmp_path / "a" / "trajectories.jsonl").read_text().splitlines()]
    tb = [strip(x) for x in (tmp_path / "b" / "trajectories.jsonl").read_text().splitlines()]
    assert ta == tb


def test_command_line_and_collect_subcommand(tmp_path, capsys):
    from agentscaler_gym.cli import main as agentscaler

    assert main(["--envs", MOCK, "--episodes", "4", "--out", str(tmp_path / "m"), "--quiet"]) == 0
    assert (
        agentscaler(
            ["collect", "--envs", MOCK, "--episodes", "4", "--exact", "all", "--out", str(tmp_path / "c"), "--quiet"]
        )
        == 0
    )
    assert "kept 4 of 4 episodes" in capsys.readouterr().out
    for name in ("m", "c"):
        assert json.loads((tmp_path / name / "card.json").read_text())["totals"]["kept"] == 4
        assert (tmp_path / name / "dataset").is_dir()
    assert json.loads((tmp_path / "c" / "card.json").read_text())["settings"]["exact"] == "all"


def test_rows_render_with_arguments_verbatim(sft_data, tiny_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    row = load_rows(sft_data["vertical"])[0]
    text = tokenizer.apply_chat_template(row["messages"], tools=json.loads(row["tools"]), tokenize=False)
    first = next(c["function"] for m in row["messages"] if m["tool_calls"] for c in m["tool_calls"])
    assert f'{{"name": "{first["name"]}", "arguments": {first["arguments"]}}}' in text
    assert "null" not in first["arguments"]


def test_each_env_gets_its_own_user_from_make_user():
    from agents import OraclePolicy
    from agentscaler_gym import ScriptedUser
    from train.generate_sft import collect

    made = []

    class CountingUser(ScriptedUser):
        def start(self, task, device=None, seed=None):
            self.started = getattr(self, "started", 0) + 1
            return super().start(task, device, seed)

    def make_user():
        made.append(CountingUser())
        return made[-1]

    trajectories = collect([MOCK, RETAIL], OraclePolicy(), episodes=2, progress=False, make_user=make_user)
    assert [t.reward for t in trajectories] == [1.0] * 4
    assert made and sum(u.started for u in made) == 4  # every episode was played by a user from the factory
