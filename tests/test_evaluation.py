"""Evaluation of runs: each figure on the oracle, the random policy and a policy that skips the
last gold call; run-versus-run bootstrap; held-out domain splits; the HTML report in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import gymnasium as gym
import pytest

import agentscaler_gym
from agents import OraclePolicy, RandomPolicy
from agentscaler_gym.cli import main
from agentscaler_gym.evaluation import (
    ALL,
    GOLD_CALL_BUCKETS,
    compare,
    episodes_of,
    evaluate,
    gold_call_bucket,
    paired_bootstrap,
)
from agentscaler_gym.registry import builtin_ids, load_domain
from agentscaler_gym.rollout import rollout
from agentscaler_gym.splits import DomainSplit, select_env_ids, tags_of
from agentscaler_gym.tasks import oracle_turns
from agentscaler_gym.tools import WRITE
from agentscaler_gym.trajectory import read_jsonl, write_jsonl
from agentscaler_gym.users import END_TOKENS

ENVS = [
    "AgentScaler/mock-v0",
    "AgentScaler/pharmacy-v0",
    "AgentScaler/hotel_bookings-v0",
    "AgentScaler/travel_visas-v0",
]
TRIALS = 2


class SkipLastGoldCall:
    """The oracle, minus the last gold call: it says it is done without making it."""

    def act(self, messages, tools, task=None):
        turns = oracle_turns(task)
        turns = turns[:-2] + turns[-1:]
        done = sum(1 for m in messages if m["role"] == "assistant")
        return turns[min(done, len(turns) - 1)]


def _tasks():
    out = {}
    for env_id in ENVS:
        domain = load_domain(gym.spec(env_id).kwargs["domain"])
        for task in domain.task_list("test"):
            out[(env_id, task.id)] = (domain, task)
    return out


@pytest.fixture(scope="module")
def runs():
    return {
        "oracle": rollout(ENVS, OraclePolicy(), trials=TRIALS),
        "oracle_seed1": rollout(ENVS, OraclePolicy(), trials=TRIALS, seed=1),
        "random": rollout(ENVS, RandomPolicy(seed=3), trials=TRIALS, max_turns=6),
        "skip": rollout(ENVS, SkipLastGoldCall(), trials=TRIALS),
    }


def _non_increasing(curve: dict) -> bool:
    values = [curve[k]["value"] for k in sorted(curve, key=int)]
    return all(a >= b for a, b in zip(values, values[1:]))


def test_the_oracle_scores_one_everywhere(runs):
    result = evaluate(runs["oracle"])
    tasks = _tasks()
    assert set(result["scopes"]) == {*ENVS, "hand-built", "synthesized", ALL}
    assert result["pass_hat_k"][ALL] == {str(k): {"value": 1.0, "tasks": len(tasks)} for k in range(1, TRIALS + 1)}
    for scope in result["scopes"]:
        assert all(p["value"] == 1.0 for p in result["pass_hat_k"][scope].values())
        assert all(row["pass^1"] in (1.0, None) for row in result["by_gold_calls"][scope].values())
        assert all(row["pass^1"] == 1.0 for row in result["by_family"][scope].values())
        failures = result["failures"][scope]
        assert failures["failed"] == 0 and failures["tool_call_errors"] == 0 and failures["tool_error_rate"] == 0.0
    assert result["failed"] == []
    # the buckets hold exactly the tasks with that many gold calls
    for bucket in GOLD_CALL_BUCKETS:
        expected = sum(gold_call_bucket(len(task.gold_calls)) == bucket for _, task in tasks.values())
        assert result["by_gold_calls"][ALL][bucket]["tasks"] == expected
    assert sum(row["tasks"] for row in result["by_family"][ALL].values()) == len(tasks)
    assert result["episodes"][ALL]["count"] == len(tasks) * TRIALS


def test_the_last_call_skipper_fails_exactly_the_tasks_whose_last_call_writes(runs):
    result = evaluate(runs["skip"])
    tasks = _tasks()
    last_writes = {key for key, (domain, task) in tasks.items() if domain._kind(task.gold_calls[-1]) == WRITE}
    read_only = {key for key, (_, task) in tasks.items() if task.exact_match}
    assert last_writes and read_only  # the env set has both kinds
    failed_by = {}
    for f in result["failed"]:
        for reason in f["reasons"]:
            failed_by.setdefault(reason, set()).add((f["env"], f["task"]))
    assert failed_by["wrong_state"] == last_writes
    # read-only tasks are scored on the outcome: the answer is said, so skipping a read still passes
    assert {(f["env"], f["task"]) for f in result["failed"]} == last_writes
    assert result["failures"][ALL]["wrong_state"] == len(last_writes) * TRIALS
    assert set(result["failures"][ALL]["wrong_state_tables"]) <= {
        t._meta.table_name for domain, _ in tasks.values() for t in domain.agent.models
    }
    expected = 1 - len(last_writes) / len(tasks)
    assert result["pass_hat_k"][ALL]["1"]["value"] == pytest.approx(expected)
    assert all(_non_increasing(curve) for curve in result["pass_hat_k"].values())


def test_the_random_policy_fails_and_how_each_episode_ended_is_read_right(runs):
    result = evaluate(runs["random"])
    failures = result["failures"][ALL]
    assert failures["failed"] == failures["episodes"] == len(runs["random"])
    assert 0 < failures["tool_error_rate"] < 1 and failures["tool_errors"] > 0
    assert failures["turn_limit"] > 0 and failures["user_ended"] > 0
    episodes = episodes_of(runs["random"])
    ended = {kind: sum(e.ended == kind for e in episodes) for kind in ("user", "turn_limit", "tool", "error")}
    assert ended["user"] == failures["user_ended"] and ended["turn_limit"] == failures["turn_limit"]
    assert ended["tool"] > 0 and ended["error"] == failures["episode_error"] == 0  # random transfers to a human
    for t, e in zip(runs["random"], episodes):
        last = t.messages[-1]
        said_stop = last["role"] == "user" and any(x in last["content"] for x in END_TOKENS)
        transferred = (
            last["role"] == "tool" and last["name"] == "transfer_to_human_agents" and "success" in last["content"]
        )
        assert e.ended == ("user" if said_stop else "tool" if transferred else "turn_limit")
        if e.ended == "turn_limit":
            assert t.turns == 6
    assert all(_non_increasing(curve) for curve in result["pass_hat_k"].values())


def test_pass_hat_k_is_non_increasing_when_trials_disagree():
    from agentscaler_gym.trajectory import Trajectory

    run = [
        Trajectory("AgentScaler/mock-v0", f"t{i}", 0, [], [], reward=float(j < i)) for i in range(4) for j in range(3)
    ]
    curve = evaluate(run)["pass_hat_k"][ALL]
    assert [curve[k]["value"] for k in "123"] == pytest.approx(
        [(0 + 1 / 3 + 2 / 3 + 1) / 4, (0 + 0 + 1 / 3 + 1) / 4, 1 / 4]
    )
    assert _non_increasing(curve)


def test_gold_call_buckets():
    assert [gold_call_bucket(n) for n in (1, 2, 3, 4, 5, 6, 11, None)] == [
        "1",
        "2",
        "3",
        "4-5",
        "4-5",
        "6+",
        "6+",
        "unknown",
    ]


def test_the_bootstrap_covers_zero_for_two_oracle_runs_and_excludes_it_against_random(runs):
    oracle, oracle1, random = (episodes_of(runs[k]) for k in ("oracle", "oracle_seed1", "random"))
    same = compare(oracle, oracle1, seed=7)
    assert same["pairs"] == len(oracle) and same["ci_low"] <= 0 <= same["ci_high"]
    assert same["flipped"] == {"fail_to_pass": [], "pass_to_fail": []}
    worse = compare(oracle, random, seed=7)
    assert worse["delta"] == -1.0 and worse["ci_high"] < 0
    for env_id in ENVS:
        assert worse["by_scope"][env_id]["ci_high"] < 0
    assert len(worse["flipped"]["pass_to_fail"]) == len(_tasks())


def test_the_bootstrap_interval_is_seeded_and_brackets_the_difference(runs):
    oracle, skip = episodes_of(runs["oracle"]), episodes_of(runs["skip"])
    first, again = compare(oracle, skip, seed=11), compare(oracle, skip, seed=11)
    assert first == again
    assert first["ci_low"] < first["delta"] < first["ci_high"] < 0
    flipped = {(f["env"], f["task"]) for f in first["flipped"]["pass_to_fail"]}
    assert flipped == {(f["env"], f["task"]) for f in evaluate(runs["skip"])["failed"]}
    # B better than A gives the mirrored interval
    back = compare(skip, oracle, seed=11)
    assert back["delta"] == -first["delta"] and back["flipped"]["fail_to_pass"] == first["flipped"]["pass_to_fail"]


def test_paired_bootstrap_resamples_tasks_not_episodes():
    # one task always flips, nine never do: with clusters the interval still reaches 0
    outcomes = [(True, False)] * 10 + [(True, True)] * 90
    clusters = [0] * 10 + [i // 10 for i in range(10, 100)]
    result = paired_bootstrap(outcomes, clusters, seed=0, resamples=2000)
    assert result["delta"] == pytest.approx(-0.1) and result["ci_high"] == 0.0 and result["ci_low"] < -0.1


def test_selections_and_held_out_splits(tmp_path):
    assert select_env_ids("pharmacy") == ["AgentScaler/pharmacy-v0"]
    assert select_env_ids("AgentScaler/hotel_*-v0") == ["AgentScaler/hotel_bookings-v0"]
    synthesized = select_env_ids("tag:synthesized", builtin_ids())  # other tests register more
    folders = list((Path(agentscaler_gym.__file__).parent / "synth" / "builtin").glob("*/domain.json"))
    assert len(synthesized) == len(folders) and "AgentScaler/mock-v0" not in synthesized
    assert "pharmacy" in tags_of("AgentScaler/pharmacy-v0") and tags_of("AgentScaler/mock-v0") == {"template"}
    verticals = {"AgentScaler/retail-v0", "AgentScaler/airline-v0", "AgentScaler/telecom-v0"}
    assert set(select_env_ids("tag:vertical")) == verticals
    listed = tmp_path / "held.txt"
    listed.write_text("# held out\nbanking*\ntravel_visas  # a comment\n")
    split = DomainSplit.parse(f"@{listed},pet_care", builtin_ids())
    assert split.held_out == {
        "AgentScaler/banking-v0",
        "AgentScaler/travel_visas-v0",
        "AgentScaler/pet_care-v0",
    }
    assert split.training_ids(ENVS) == [
        "AgentScaler/mock-v0",
        "AgentScaler/pharmacy-v0",
        "AgentScaler/hotel_bookings-v0",
    ]
    assert split.group("AgentScaler/pet_care-v0") == "held-out" and split.group(ENVS[0]) == "in-distribution"
    with pytest.raises(ValueError, match="matches no env id"):
        DomainSplit.parse("pharmcy")


def test_task_dataset_leaves_the_held_out_domains_out():
    from agentscaler_gym.integrations.trl import task_dataset

    dataset = task_dataset(ENVS, split="test", limit=2, held_out="tag:synthesized")
    assert set(dataset["environment"]) == {"AgentScaler/mock-v0"} and len(dataset) == 2


def test_a_held_out_split_end_to_end(tmp_path, capsys):
    held = "pharmacy,hotel_bookings,travel_visas"
    out = tmp_path / "sft"
    assert (
        main(
            [
                "collect",
                "--envs",
                "tag:synthesized",
                "--held-out",
                held,
                "--episodes",
                "1",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    collected = {t.env_id for t in read_jsonl(out / "trajectories.jsonl")}
    held_out = DomainSplit.parse(held).held_out
    assert len(held_out) == 3 and collected == set(select_env_ids("tag:synthesized")) - held_out
    capsys.readouterr()

    run = tmp_path / "run.jsonl"
    assert (
        main(
            [
                "rollout",
                "--env",
                "pharmacy,hotel_bookings,travel_visas,banking,pet_care",
                "--policy",
                "oracle",
                "--out",
                str(run),
                "--json",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["eval", str(run), "--held-out", held, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["held_out"] == sorted(DomainSplit.parse(held).held_out)
    assert result["scopes"]["held-out"] == result["scopes"]["in-distribution"] == "group"
    assert result["episodes"]["held-out"]["count"] == 24 and result["episodes"]["in-distribution"]["count"] == 16
    assert result["pass_hat_k"]["held-out"]["1"] == {"value": 1.0, "tasks": 24}

    assert main(["eval", str(run), "--held-out", held]) == 0
    text = capsys.readouterr().out
    assert "held-out" in text and "in-distribution" in text


def test_eval_command_json_for_one_run_and_for_two(tmp_path, capsys, runs):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_jsonl(runs["oracle"], a)
    write_jsonl(runs["skip"], b)
    assert main(["eval", str(a), "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert {"pass_hat_k", "by_gold_calls", "by_family", "failures", "episodes", "failed"} <= set(one)
    assert main(["eval", str(a), str(b), "--json", "--seed", "3", "--resamples", "500"]) == 0
    two = json.loads(capsys.readouterr().out)
    comparison = two["comparison"]
    assert {"delta", "ci_low", "ci_high", "flipped"} <= set(comparison) and comparison["resamples"] == 500
    assert comparison == compare(episodes_of(runs["oracle"]), episodes_of(runs["skip"]), seed=3, resamples=500)
    assert [r["file"] for r in two["runs"]] == [str(a), str(b)]
    assert main(["eval", str(a), str(b)]) == 0
    assert "pass to fail" in capsys.readouterr().out


CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def _open_in_chromium(page: Path, fragment: str = "") -> tuple[str, list[str]]:
    """The DOM after load and every console line, from headless Chromium."""
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.resolve().as_uri() + fragment,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
def test_the_console_check_sees_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><body><script>missing()</script></body>")
    assert any("missing is not defined" in line for line in _open_in_chromium(page)[1])


def test_the_report_is_self_contained_and_links_failed_episodes(tmp_path, capsys, runs):
    pytest.importorskip("matplotlib")
    a, b = tmp_path / "oracle.jsonl", tmp_path / "skip.jsonl"
    write_jsonl(runs["oracle"], a)
    write_jsonl(runs["skip"], b)
    report = tmp_path / "report.html"
    assert main(["eval", str(a), str(b), "--report", str(report), "--resamples", "500"]) == 0
    page = report.read_text()
    assert page.startswith("<!doctype html>") and "http" not in page
    plots = page.count("<img class=plot")
    assert plots == 6  # pass^k, gold calls, families, failures, wrong-state tables, run versus run
    viewer = (tmp_path / "report.run2.html").read_text()
    failed = evaluate(runs["skip"])["failed"]
    for f in failed:
        assert f"report.run2.html#ep-{f['index']}" in page and f"id=ep-{f['index']} " in viewer
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine")
    dom, console = _open_in_chromium(report)
    assert console == [] and f'data-plots="{plots}/{plots}"' in dom
    # a link opens its episode in the viewer
    target = failed[-1]["index"]
    dom, console = _open_in_chromium(tmp_path / "report.run2.html", f"#ep-{target}")
    assert console == [] and re.search(f'<details class="ep" id="ep-{target}" [^>]*open=""', dom)
