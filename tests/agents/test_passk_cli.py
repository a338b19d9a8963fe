"""pass^k, and the rollout / eval / view commands end to end."""

import json
from math import comb

import pytest

from agentscaler_gym.cli import main
from agentscaler_gym.trajectory import Trajectory, pass_hat_k, pass_hat_table, read_jsonl


def traj(env, task, passed, error=None):
    return Trajectory(env, task, 0, [], [], reward=1.0 if passed else 0.0, error=error)


def test_pass_hat_k_is_the_chance_that_k_drawn_trials_all_pass():
    assert pass_hat_k(3, 4, 1) == 0.75
    assert pass_hat_k(3, 4, 2) == comb(3, 2) / comb(4, 2) == 0.5
    assert pass_hat_k(3, 4, 4) == 0.0
    assert pass_hat_k(4, 4, 4) == 1.0
    with pytest.raises(ValueError):
        pass_hat_k(1, 2, 3)


def test_table_averages_over_tasks_per_env_and_overall():
    ts = (
        [traj("a", "t1", p) for p in (1, 1, 0)]
        + [traj("a", "t2", p) for p in (1, 1, 1)]
        + [traj("b", "u1", p) for p in (0, 1, 0)]
    )
    table = pass_hat_table(ts)
    assert table["a"] == {1: pytest.approx((2 / 3 + 1) / 2), 2: pytest.approx((1 / 3 + 1) / 2), 3: pytest.approx(0.5)}
    assert table["b"] == {1: pytest.approx(1 / 3), 2: 0.0, 3: 0.0}
    assert table["all"][1] == pytest.approx((2 / 3 + 1 + 1 / 3) / 3)


def test_an_episode_with_a_policy_error_is_not_a_success():
    assert pass_hat_table([traj("a", "t", True, error="Timeout")])["a"] == {1: 0.0}


def test_rollout_eval_and_view_commands(tmp_path, capsys):
    out = tmp_path / "run.jsonl"
    assert (
        main(
            [
                "rollout",
                "--env",
                "AgentScaler/mock-v0",
                "--policy",
                "oracle",
                "--trials",
                "2",
                "--out",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["pass_rate"] == 1.0 and summary["episodes"] == 40 and summary["episodes_per_s"] > 0
    trajectories = read_jsonl(out)
    assert len(trajectories) == 40

    assert main(["eval", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pass_hat_k"]["AgentScaler/mock-v0"] == {
        "1": {"value": 1.0, "tasks": 20},
        "2": {"value": 1.0, "tasks": 20},
    }

    html = tmp_path / "page.html"
    assert main(["view", str(out), "-o", str(html)]) == 0
    page = html.read_text()
    assert page.startswith("<!doctype html>") and page.count("<details class=ep") == 40
    assert trajectories[0].task_id in page and "Verification" in page and "Database changes" in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained: nothing fetched


def test_rollout_command_prints_a_summary_table(tmp_path, capsys):
    out = tmp_path / "run.jsonl"
    main(
        [
            "rollout",
            "--env",
            "AgentScaler/mock-v0",
            "--env",
            "AgentScaler/retail-v0",
            "--policy",
            "noop",
            "--episodes",
            "3",
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    for word in ("AgentScaler/mock-v0", "AgentScaler/retail-v0", "all", "pass", "tool err", "ep/s"):
        assert word in text
    assert len(read_jsonl(out)) == 6


def test_the_viewer_escapes_what_models_and_users_wrote(tmp_path):
    from agentscaler_gym.viewer import render_html

    t = Trajectory(
        "env",
        "t<1>",
        0,
        [
            {"role": "user", "content": "<script>alert(1)</script>"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"q": "</pre>"}}}],
            },
        ],
        [],
    )
    page = render_html([t])
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "t&lt;1&gt;" in page and "&lt;/pre&gt;" in page
