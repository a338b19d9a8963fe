"""The rollout engine with light policies: batching, threads, failures, determinism, storage."""

import json
import subprocess
import sys
import threading

import gymnasium as gym
import pytest

import agentscaler_gym  # noqa: F401 - registers the ids
from agents import BatchPolicy, NoopPolicy, OraclePolicy, RandomPolicy, make_policy
from agentscaler_gym.rollout import rollout, run_episode
from agentscaler_gym.trajectory import Trajectory, read_jsonl, summarize, write_jsonl

MOCK = "AgentScaler/mock-v0"
RETAIL = "AgentScaler/retail-v0"


class CountingBatchPolicy(BatchPolicy):
    """The oracle, answering whole batches; remembers how many turns each call held."""

    def __init__(self):
        self.oracle, self.sizes = OraclePolicy(), []

    def act_batch(self, requests):
        self.sizes.append(len(requests))
        return [self.oracle.act(r.messages, r.tools, task=r.task) for r in requests]


class FailOnTasks:
    """Plays the oracle, but raises on the listed tasks' second turn."""

    def __init__(self, task_ids, max_concurrency=1):
        self.oracle, self.task_ids, self.max_concurrency = OraclePolicy(), set(task_ids), max_concurrency

    def act(self, messages, tools, task=None):
        if task.id in self.task_ids and sum(m["role"] == "assistant" for m in messages) == 1:
            raise ConnectionError("server went away")
        return self.oracle.act(messages, tools, task=task)


def test_oracle_passes_every_task_and_noop_none():
    assert all(t.passed for t in rollout(MOCK, OraclePolicy()))
    assert not any(t.passed for t in rollout(MOCK, NoopPolicy()))


def test_every_task_is_played_trials_times_in_plan_order_with_seeds():
    tasks = gym.make(MOCK).unwrapped.tasks
    result = rollout(MOCK, OraclePolicy(), trials=2, seed=5)
    assert [t.task_id for t in result] == [t.id for t in tasks] * 2
    assert [t.seed for t in result] == list(range(5, 5 + 2 * len(tasks)))


def test_a_batched_policy_gets_all_live_episodes_pending_turns_in_one_call():
    policy = CountingBatchPolicy()
    result = rollout(MOCK, policy, episodes=12, concurrency=5)
    assert len(result) == 12 and all(t.passed for t in result)
    assert max(policy.sizes) == 5  # never more than the live episodes
    assert policy.sizes[0] == 5
    assert sum(policy.sizes) == sum(t.turns for t in result)


def test_concurrency_bounds_the_envs_alive():
    made = []
    original = agentscaler_gym.envpool.new_env

    def counting(config):
        made.append(config)
        return original(config)

    agentscaler_gym.envpool.new_env = counting
    try:
        rollout(MOCK, OraclePolicy(), episodes=20, concurrency=3)
    finally:
        agentscaler_gym.envpool.new_env = original
    assert len(made) == 3  # a pool of three envs, reused


def test_a_policy_failure_ends_only_that_episode_and_is_counted():
    tasks = [t.id for t in gym.make(MOCK).unwrapped.tasks]
    bad = {tasks[1], tasks[4]}
    result = rollout(MOCK, FailOnTasks(bad))
    failed = {t.task_id for t in result if t.error}
    assert failed == bad
    assert all(t.passed for t in result if t.task_id not in bad)
    for t in result:
        if t.task_id in bad:
            assert "ConnectionError: server went away" in t.error and t.reward == 0.0
            assert t.verification["reward"] == 0.0  # scored as it stood
    assert result.stats["errors"] == 2
    assert summarize(result)[MOCK]["errors"] == 2


def test_the_collector_settings_are_restored_after_a_run_even_one_that_raises():
    import gc

    before = gc.get_threshold()
    rollout(MOCK, OraclePolicy(), episodes=4)
    assert gc.get_threshold() == before

    def broken_user():
        raise KeyboardInterrupt  # raised inside the run, while envs are being made

    with pytest.raises(KeyboardInterrupt):
        rollout(MOCK, OraclePolicy(), episodes=4, user=broken_user)
    assert gc.get_threshold() == before

    threads = [threading.Thread(target=rollout, args=(MOCK, OraclePolicy()), kwargs={"episodes": 64}) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.get_threshold() == before  # overlapping runs restore the settings once, at the end


def test_a_failing_batch_ends_its_episodes_and_the_rollout_goes_on():
    class FailingOnce(CountingBatchPolicy):
        def act_batch(self, requests):
            if not self.sizes:
                self.sizes.append(len(requests))
                raise RuntimeError("CUDA out of memory")
            return super().act_batch(requests)

    result = rollout(MOCK, FailingOnce(), episodes=6, concurrency=2)
    assert [t.error is not None for t in result] == [True, True, False, False, False, False]
    assert all(t.passed for t in result[2:])


def test_threaded_policies_run_episodes_side_by_side_with_the_same_results():
    seen, lock = set(), threading.Lock()

    class Threaded(FailOnTasks):
        def act(self, messages, tools, task=None):
            with lock:
                seen.add(threading.get_ident())
            return super().act(messages, tools, task=task)

    tasks = [t.id for t in gym.make(MOCK).unwrapped.tasks]
    threaded = rollout(MOCK, Threaded({tasks[0]}, max_concurrency=4))
    single = rollout(MOCK, FailOnTasks({tasks[0]}))
    assert len(seen) > 1
    assert [(t.task_id, t.reward, t.error, t.messages) for t in threaded] == [
        (t.task_id, t.reward, t.error, t.messages) for t in single
    ]


def test_same_seed_same_trajectories_across_envs():
    first = rollout([MOCK, RETAIL], RandomPolicy(seed=3), episodes=15, concurrency=1)
    second = rollout([MOCK, RETAIL], RandomPolicy(seed=3), episodes=15, concurrency=1)
    assert [t.messages for t in first] == [t.messages for t in second]
    assert {t.env_id for t in first} == {MOCK, RETAIL}


def test_trajectory_records_changes_timings_and_verification():
    t = rollout(MOCK, OraclePolicy(), episodes=3)[1]
    assert t.verification["state_match"] is True
    assert t.timings["env"] > 0 and "policy" in t.timings
    assert t.tools and t.messages[0]["role"] == "system"
    gold_writes = [
        c
        for c in gym.make(MOCK).unwrapped.domain.task(t.task_id).gold_calls
        if c.name in ("open_ticket", "close_ticket")
    ]
    assert len(t.db_changes) == len(gold_writes)


def test_usage_reported_by_the_policy_is_summed_into_token_counts():
    class Reporting(CountingBatchPolicy):
        def act_batch(self, requests):
            out = super().act_batch(requests)
            return [
                {**m, "usage": {"prompt_tokens": 10, "completion_tokens": 3, "latency_s": 0.5, "cost": 0.01}}
                for m in out
            ]

    t = rollout(MOCK, Reporting(), episodes=1)[0]
    assert t.tokens == {
        "prompt": 10 * t.turns,
        "completion": 3 * t.turns,
        "requests": t.turns,
        "cost": pytest.approx(0.01 * t.turns),
    }
    assert t.timings["latency"] == [0.5] * t.turns
    assert all("usage" not in m for m in t.messages)


def test_run_episode_through_gym_make_matches_the_engine():
    env = gym.make(MOCK)
    task_id = env.unwrapped.tasks[2].id
    alone = run_episode(env, OraclePolicy(), seed=2, task_id=task_id)
    engine = rollout(MOCK, OraclePolicy(), episodes=3)[2]
    assert (alone.task_id, alone.messages, alone.reward) == (engine.task_id, engine.messages, engine.reward)


def test_jsonl_round_trip_and_dataset_columns(tmp_path):
    result = rollout(MOCK, OraclePolicy(), episodes=4)
    path = tmp_path / "t.jsonl"
    write_jsonl(result, path)
    back = read_jsonl(path)
    assert [t.to_dict() for t in back] == [json.loads(json.dumps(t.to_dict())) for t in result]
    ds = result.to_dataset()
    assert len(ds) == 4 and ds[0]["passed"] is True
    assert json.loads(ds[0]["messages"]) == back[0].messages  # nested fields as JSON text, arguments intact


def test_unknown_fields_in_old_files_are_ignored():
    t = Trajectory.from_dict({"env_id": "e", "task_id": "t", "seed": 1, "messages": [], "tools": [], "legacy": 1})
    assert t.env_id == "e"


def test_make_policy_specs():
    assert isinstance(make_policy("oracle"), OraclePolicy)
    assert isinstance(make_policy("random:4"), RandomPolicy)
    with pytest.raises(ValueError, match="needs the model name"):
        make_policy("openai:http://127.0.0.1:1/v1")
    with pytest.raises(ValueError, match="unknown policy kind"):
        make_policy("gpt")


def test_importing_the_engine_and_the_policy_modules_imports_no_heavy_stack():
    code = (
        "import sys, agentscaler_gym, agentscaler_gym.rollout, agentscaler_gym.rollout_cli, agentscaler_gym.viewer, "
        "agentscaler_gym.trajectory, agents, agents.hf, agents.vllm, agents.openai_compat, agents.serve, agents.parsers\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl', 'vllm', 'ray', 'datasets') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_a_user_factory_gives_every_env_its_own_simulated_user():
    from agentscaler_gym.users import ScriptedUser

    made = []

    def user():
        made.append(ScriptedUser(max_turns=1))
        return made[-1]

    result = rollout(MOCK, NoopPolicy(), episodes=6, concurrency=3, user=user)
    assert len(made) == 3 and len({id(u) for u in made}) == 3
    assert all(t.messages[-1]["role"] == "user" for t in result)


class FailingUser:
    """The scripted user, except that answering on the listed tasks raises (a broken LLM user)."""

    def __init__(self, task_ids):
        from agentscaler_gym.users import ScriptedUser

        self.inner, self.task_ids = ScriptedUser(), set(task_ids)

    def start(self, task, device=None, seed=None):
        self.task = task
        return self.inner.start(task, device, seed)

    def respond(self, message):
        if self.task.id in self.task_ids:
            raise RuntimeError("the user model crashed")
        return self.inner.respond(message)


def test_a_step_that_raises_ends_only_its_episode_and_its_env_is_not_reused():
    tasks = [t.id for t in gym.make(MOCK).unwrapped.tasks]
    bad = {tasks[0], tasks[3]}
    made = []

    def user():
        made.append(FailingUser(bad))
        return made[-1]

    result = rollout(MOCK, OraclePolicy(), concurrency=2, user=user)
    assert [t.task_id for t in result] == tasks
    for t in result:
        if t.task_id in bad:
            assert t.error == "env step raised RuntimeError: the user model crashed" and not t.passed
            assert t.reward == 0.0 and "reward" in t.verification
        else:
            assert t.passed, t.task_id
    assert result.stats["errors"] == 2
    assert len(made) == 2 + len(bad)  # each env whose step raised was replaced by a fresh one


def test_run_episode_records_a_raising_step_as_an_errored_trajectory():
    env = gym.make(MOCK, user=FailingUser({"open-000"}))
    t = run_episode(env, OraclePolicy(), seed=0, task_id="open-000")
    assert t.error.startswith("env step raised RuntimeError") and not t.passed


def test_a_policy_spec_string_is_refused_with_a_hint_and_a_factory_is_built():
    with pytest.raises(TypeError, match="agents.make_policy"):
        rollout(MOCK, "oracle", episodes=1)
    assert all(t.passed for t in rollout(MOCK, OraclePolicy, episodes=3))  # a class is a factory


def test_the_library_imports_neither_agents_nor_train():
    import ast
    from pathlib import Path

    root = Path(agentscaler_gym.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            found += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in ("agents", "train")]
    assert found == []


def test_the_viewer_names_the_seat_of_rows_changed_on_the_users_phone():
    from agentscaler_gym.tasks import USER
    from agentscaler_gym.viewer import render_html

    env = gym.make("AgentScaler/telecom-v0")
    task = next(t for t in env.unwrapped.tasks if any(c.actor == USER for c in t.gold_calls))
    trajectory = run_episode(env, OraclePolicy(), seed=0, task_id=task.id)
    phone_rows = [c for c in trajectory.db_changes if c.get("seat") == USER]
    assert trajectory.reward == 1.0 and phone_rows
    assert f"<td>user: {phone_rows[0]['table']}</td>" in render_html([trajectory])
